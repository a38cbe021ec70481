#pragma once
// CPU kernels for elementwise ops. Each writes into a preallocated `out`
// whose shape is the broadcast shape of its inputs.
#include "gf/core/tensor.hpp"

namespace gf::cpu {

enum class BinaryOp { kAdd, kSub, kMul, kDiv, kPow, kMax, kMin };
enum class UnaryOp { kNeg, kExp, kLog, kSqrt, kAbs, kSquare, kTanh, kSigmoid, kRelu, kSoftplus, kSign };

void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b);
/// out = op(x, scalar) (kPow: x^s, kMax / kMin: against s).
void binary_scalar(BinaryOp op, const Tensor& out, const Tensor& x, double s);
/// out = s op x (reversed scalar forms: s - x, s / x).
void scalar_binary(BinaryOp op, const Tensor& out, double s, const Tensor& x);
void unary(UnaryOp op, const Tensor& out, const Tensor& x);
/// out = x > 0 ? x : slope x
void leaky_relu(const Tensor& out, const Tensor& x, double slope);
/// out = grad * (x > 0 ? 1 : slope)
void leaky_relu_backward(const Tensor& out, const Tensor& grad, const Tensor& x, double slope);
/// out = clamp(x, lo, hi)
void clamp(const Tensor& out, const Tensor& x, double lo, double hi);
/// out = grad where lo <= x <= hi, else 0
void clamp_backward(const Tensor& out, const Tensor& grad, const Tensor& x, double lo, double hi);

}  // namespace gf::cpu
