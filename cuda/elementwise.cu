// CUDA elementwise kernels: twins of src/cpu/elementwise.cpp, each one
// gpu_map (cuda/loops.cuh) over a small device functor. The functors spell out
// the CPU lambdas' expressions unchanged (a > b ? a : b, not fmax), so NaNs,
// ties and signed zeros come out as on the CPU.
#include <cmath>
#include <type_traits>

#include "kernels/kernels.hpp"
#include "cuda/loops.cuh"

namespace gf::cuda {
namespace {

// ---- binary operators -------------------------------------------------------------

template <typename T>
struct Add {
  __device__ T operator()(T a, T b) const { return a + b; }
};
template <typename T>
struct Sub {
  __device__ T operator()(T a, T b) const { return a - b; }
};
template <typename T>
struct Mul {
  __device__ T operator()(T a, T b) const { return a * b; }
};
template <typename T>
struct Div {
  __device__ T operator()(T a, T b) const { return a / b; }
};
template <typename T>
struct Pow {
  // The CPU's std::pow of two int64 promotes both to double; do the same.
  __device__ T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) return static_cast<T>(std::pow(static_cast<double>(a), static_cast<double>(b)));
    else return std::pow(a, b);
  }
};
template <typename T>
struct Max {
  __device__ T operator()(T a, T b) const { return a > b ? a : b; }
};
template <typename T>
struct Min {
  __device__ T operator()(T a, T b) const { return a < b ? a : b; }
};

// Calls run(functor) with the functor of `op`: one switch on the host, one
// kernel instantiation per operator.
template <typename T, typename Run>
void with_binary(BinaryOp op, Run run) {
  switch (op) {
    case BinaryOp::kAdd: return run(Add<T>{});
    case BinaryOp::kSub: return run(Sub<T>{});
    case BinaryOp::kMul: return run(Mul<T>{});
    case BinaryOp::kDiv: return run(Div<T>{});
    case BinaryOp::kPow: return run(Pow<T>{});
    case BinaryOp::kMax: return run(Max<T>{});
    case BinaryOp::kMin: return run(Min<T>{});
  }
}

// op(x, s) and op(s, x) for a scalar s.
template <typename T, typename Op>
struct ScalarRight {
  Op op;
  T s;
  __device__ T operator()(T x) const { return op(x, s); }
};
template <typename T, typename Op>
struct ScalarLeft {
  Op op;
  T s;
  __device__ T operator()(T x) const { return op(s, x); }
};

// ---- unary operators --------------------------------------------------------------

template <typename T>
struct Neg {
  __device__ T operator()(T v) const { return -v; }
};
template <typename T>
struct Exp {
  __device__ T operator()(T v) const { return std::exp(v); }
};
template <typename T>
struct Log {
  __device__ T operator()(T v) const { return std::log(v); }
};
template <typename T>
struct Sqrt {
  __device__ T operator()(T v) const { return std::sqrt(v); }
};
template <typename T>
struct Abs {
  __device__ T operator()(T v) const { return std::abs(v); }
};
template <typename T>
struct Square {
  __device__ T operator()(T v) const { return v * v; }
};
template <typename T>
struct Tanh {
  __device__ T operator()(T v) const { return std::tanh(v); }
};
template <typename T>
struct Sigmoid {
  // Never exponentiates a large positive number.
  __device__ T operator()(T v) const {
    if (v >= 0) return T(1) / (T(1) + std::exp(-v));
    const T e = std::exp(v);
    return e / (T(1) + e);
  }
};
template <typename T>
struct Relu {
  __device__ T operator()(T v) const { return v > T(0) ? v : T(0); }
};
template <typename T>
struct Softplus {
  // log(1 + e^v) = max(v, 0) + log1p(e^-|v|)
  __device__ T operator()(T v) const { return (v > T(0) ? v : T(0)) + std::log1p(std::exp(-std::abs(v))); }
};
template <typename T>
struct Sign {
  __device__ T operator()(T v) const { return static_cast<T>((v > T(0)) - (v < T(0))); }
};

// ---- activations and clamping -----------------------------------------------------

template <typename T>
struct LeakyRelu {
  T slope;
  __device__ T operator()(T v) const { return v > 0 ? v : slope * v; }
};
template <typename T>
struct LeakyReluBackward {
  T slope;
  __device__ T operator()(T g, T v) const { return v > 0 ? g : slope * g; }
};
template <typename T>
struct Clamp {
  T lo, hi;
  __device__ T operator()(T v) const { return v < lo ? lo : (v > hi ? hi : v); }
};
template <typename T>
struct ClampBackward {
  T lo, hi;
  __device__ T operator()(T g, T v) const { return v >= lo && v <= hi ? g : T(0); }
};

}  // namespace

void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  GF_DTYPE_DISPATCH_ALL(out.dtype(), "binary", [&] {
    with_binary<scalar_t>(op, [&](auto f) { gpu_map<scalar_t>(out, f, a, b); });
  });
}

void binary_scalar(BinaryOp op, const Tensor& out, const Tensor& x, double s) {
  GF_DTYPE_DISPATCH_ALL(out.dtype(), "binary_scalar", [&] {
    const auto v = static_cast<scalar_t>(s);
    with_binary<scalar_t>(op, [&](auto f) { gpu_map<scalar_t>(out, ScalarRight<scalar_t, decltype(f)>{f, v}, x); });
  });
}

void scalar_binary(BinaryOp op, const Tensor& out, double s, const Tensor& x) {
  GF_DTYPE_DISPATCH_ALL(out.dtype(), "scalar_binary", [&] {
    const auto v = static_cast<scalar_t>(s);
    with_binary<scalar_t>(op, [&](auto f) { gpu_map<scalar_t>(out, ScalarLeft<scalar_t, decltype(f)>{f, v}, x); });
  });
}

void unary(UnaryOp op, const Tensor& out, const Tensor& x) {
  GF_DTYPE_DISPATCH_FLOATING(out.dtype(), "unary", [&] {
    using T = scalar_t;
    switch (op) {
      case UnaryOp::kNeg: return gpu_map<T>(out, Neg<T>{}, x);
      case UnaryOp::kExp: return gpu_map<T>(out, Exp<T>{}, x);
      case UnaryOp::kLog: return gpu_map<T>(out, Log<T>{}, x);
      case UnaryOp::kSqrt: return gpu_map<T>(out, Sqrt<T>{}, x);
      case UnaryOp::kAbs: return gpu_map<T>(out, Abs<T>{}, x);
      case UnaryOp::kSquare: return gpu_map<T>(out, Square<T>{}, x);
      case UnaryOp::kTanh: return gpu_map<T>(out, Tanh<T>{}, x);
      case UnaryOp::kSigmoid: return gpu_map<T>(out, Sigmoid<T>{}, x);
      case UnaryOp::kRelu: return gpu_map<T>(out, Relu<T>{}, x);
      case UnaryOp::kSoftplus: return gpu_map<T>(out, Softplus<T>{}, x);
      case UnaryOp::kSign: return gpu_map<T>(out, Sign<T>{}, x);
    }
  });
}

void leaky_relu(const Tensor& out, const Tensor& x, double slope) {
  GF_DTYPE_DISPATCH_FLOATING(out.dtype(), "leaky_relu", [&] {
    gpu_map<scalar_t>(out, LeakyRelu<scalar_t>{static_cast<scalar_t>(slope)}, x);
  });
}

void leaky_relu_backward(const Tensor& out, const Tensor& grad, const Tensor& x, double slope) {
  GF_DTYPE_DISPATCH_FLOATING(out.dtype(), "leaky_relu_backward", [&] {
    gpu_map<scalar_t>(out, LeakyReluBackward<scalar_t>{static_cast<scalar_t>(slope)}, grad, x);
  });
}

void clamp(const Tensor& out, const Tensor& x, double lo, double hi) {
  GF_DTYPE_DISPATCH_FLOATING(out.dtype(), "clamp", [&] {
    gpu_map<scalar_t>(out, Clamp<scalar_t>{static_cast<scalar_t>(lo), static_cast<scalar_t>(hi)}, x);
  });
}

void clamp_backward(const Tensor& out, const Tensor& grad, const Tensor& x, double lo, double hi) {
  GF_DTYPE_DISPATCH_FLOATING(out.dtype(), "clamp_backward", [&] {
    gpu_map<scalar_t>(out, ClampBackward<scalar_t>{static_cast<scalar_t>(lo), static_cast<scalar_t>(hi)}, grad, x);
  });
}

}  // namespace gf::cuda
