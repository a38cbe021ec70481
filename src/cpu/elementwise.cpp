#include "kernels/kernels.hpp"

#include <cmath>

#include "cpu/loops.hpp"

namespace gf::cpu {
namespace {

// One switch outside the loop, so each loop body is a single inlined lambda.
template <typename T, typename Kernel>
void with_binary(BinaryOp op, Kernel kernel) {
  switch (op) {
    case BinaryOp::kAdd: return kernel([](T a, T b) { return a + b; });
    case BinaryOp::kSub: return kernel([](T a, T b) { return a - b; });
    case BinaryOp::kMul: return kernel([](T a, T b) { return a * b; });
    case BinaryOp::kDiv: return kernel([](T a, T b) { return a / b; });
    case BinaryOp::kPow: return kernel([](T a, T b) { return static_cast<T>(std::pow(a, b)); });
    case BinaryOp::kMax: return kernel([](T a, T b) { return a > b ? a : b; });
    case BinaryOp::kMin: return kernel([](T a, T b) { return a < b ? a : b; });
  }
}

template <typename T>
T stable_sigmoid(T x) {
  // Never exponentiates a large positive number.
  if (x >= 0) return T(1) / (T(1) + std::exp(-x));
  const T e = std::exp(x);
  return e / (T(1) + e);
}

}  // namespace

void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  GF_DTYPE_DISPATCH_ALL(out.dtype(), "binary", [&] {
    with_binary<scalar_t>(op, [&](auto f) { map_kernel<scalar_t, scalar_t, scalar_t>(out, f, a, b); });
  });
}

void binary_scalar(BinaryOp op, const Tensor& out, const Tensor& x, double s) {
  GF_DTYPE_DISPATCH_ALL(out.dtype(), "binary_scalar", [&] {
    const auto v = static_cast<scalar_t>(s);
    with_binary<scalar_t>(op, [&](auto f) {
      map_kernel<scalar_t, scalar_t>(out, [f, v](scalar_t a) { return f(a, v); }, x);
    });
  });
}

void scalar_binary(BinaryOp op, const Tensor& out, double s, const Tensor& x) {
  GF_DTYPE_DISPATCH_ALL(out.dtype(), "scalar_binary", [&] {
    const auto v = static_cast<scalar_t>(s);
    with_binary<scalar_t>(op, [&](auto f) {
      map_kernel<scalar_t, scalar_t>(out, [f, v](scalar_t a) { return f(v, a); }, x);
    });
  });
}

void unary(UnaryOp op, const Tensor& out, const Tensor& x) {
  GF_DTYPE_DISPATCH_FLOATING(out.dtype(), "unary", [&] {
    using T = scalar_t;
    auto run = [&](auto f) { map_kernel<T, T>(out, f, x); };
    switch (op) {
      case UnaryOp::kNeg: return run([](T v) { return -v; });
      case UnaryOp::kExp: return run([](T v) { return std::exp(v); });
      case UnaryOp::kLog: return run([](T v) { return std::log(v); });
      case UnaryOp::kSqrt: return run([](T v) { return std::sqrt(v); });
      case UnaryOp::kAbs: return run([](T v) { return std::abs(v); });
      case UnaryOp::kSquare: return run([](T v) { return v * v; });
      case UnaryOp::kTanh: return run([](T v) { return std::tanh(v); });
      case UnaryOp::kSigmoid: return run([](T v) { return stable_sigmoid(v); });
      case UnaryOp::kRelu: return run([](T v) { return v > T(0) ? v : T(0); });
      case UnaryOp::kSoftplus:  // log(1 + e^v) = max(v, 0) + log1p(e^-|v|)
        return run([](T v) { return (v > T(0) ? v : T(0)) + std::log1p(std::exp(-std::abs(v))); });
      case UnaryOp::kSign: return run([](T v) { return static_cast<T>((v > T(0)) - (v < T(0))); });
    }
  });
}

void leaky_relu(const Tensor& out, const Tensor& x, double slope) {
  GF_DTYPE_DISPATCH_FLOATING(out.dtype(), "leaky_relu", [&] {
    const auto s = static_cast<scalar_t>(slope);
    map_kernel<scalar_t, scalar_t>(out, [s](scalar_t v) { return v > 0 ? v : s * v; }, x);
  });
}

void leaky_relu_backward(const Tensor& out, const Tensor& grad, const Tensor& x, double slope) {
  GF_DTYPE_DISPATCH_FLOATING(out.dtype(), "leaky_relu_backward", [&] {
    const auto s = static_cast<scalar_t>(slope);
    map_kernel<scalar_t, scalar_t, scalar_t>(out, [s](scalar_t g, scalar_t v) { return v > 0 ? g : s * g; }, grad, x);
  });
}

void clamp(const Tensor& out, const Tensor& x, double lo, double hi) {
  GF_DTYPE_DISPATCH_FLOATING(out.dtype(), "clamp", [&] {
    const auto l = static_cast<scalar_t>(lo), h = static_cast<scalar_t>(hi);
    map_kernel<scalar_t, scalar_t>(out, [l, h](scalar_t v) { return v < l ? l : (v > h ? h : v); }, x);
  });
}

void clamp_backward(const Tensor& out, const Tensor& grad, const Tensor& x, double lo, double hi) {
  GF_DTYPE_DISPATCH_FLOATING(out.dtype(), "clamp_backward", [&] {
    const auto l = static_cast<scalar_t>(lo), h = static_cast<scalar_t>(hi);
    map_kernel<scalar_t, scalar_t, scalar_t>(
        out, [l, h](scalar_t g, scalar_t v) { return v >= l && v <= h ? g : scalar_t(0); }, grad, x);
  });
}

}  // namespace gf::cpu
