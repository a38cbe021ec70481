#pragma once
// Elementwise ops with NumPy broadcasting, each recorded for autograd.
// Shapes: any; binary ops broadcast their inputs to a common shape.
#include "gf/core/tensor.hpp"

namespace gf {

// ---- binary (broadcasting) --------------------------------------------------
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
/// a^b elementwise (a > 0 where b is not an integer).
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);

// ---- with a scalar ----------------------------------------------------------
Tensor add(const Tensor& a, double s);
Tensor sub(const Tensor& a, double s);
Tensor mul(const Tensor& a, double s);
Tensor div(const Tensor& a, double s);
Tensor pow(const Tensor& a, double exponent);
/// s - a
Tensor rsub(double s, const Tensor& a);
/// s / a
Tensor rdiv(double s, const Tensor& a);

// ---- unary --------------------------------------------------------------------
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor square(const Tensor& x);
/// min(max(x, lo), hi); the gradient is 1 inside [lo, hi] and 0 outside.
Tensor clamp(const Tensor& x, double lo, double hi);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
/// x for x > 0, slope * x otherwise.
Tensor leaky_relu(const Tensor& x, double slope = 0.01);
/// log(1 + exp(x)) computed without overflow.
Tensor softplus(const Tensor& x);

// ---- operators ---------------------------------------------------------------
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, double s) { return add(a, s); }
inline Tensor operator-(const Tensor& a, double s) { return sub(a, s); }
inline Tensor operator*(const Tensor& a, double s) { return mul(a, s); }
inline Tensor operator/(const Tensor& a, double s) { return div(a, s); }
inline Tensor operator+(double s, const Tensor& a) { return add(a, s); }
inline Tensor operator-(double s, const Tensor& a) { return rsub(s, a); }
inline Tensor operator*(double s, const Tensor& a) { return mul(a, s); }
inline Tensor operator/(double s, const Tensor& a) { return rdiv(s, a); }
inline Tensor operator-(const Tensor& a) { return neg(a); }

/// Sums `grad` over the dims that broadcasting stretched, back to `shape`
/// (the backward of broadcasting). Recorded for autograd.
Tensor sum_to(const Tensor& grad, const Shape& shape);

}  // namespace gf
