#pragma once
// The kernel interface's parameter types: plain structs and enums, backend
// neutral, shared by the ops (include/gf/ops/), the CPU kernels (src/cpu/) and
// their CUDA twins (cuda/). No CUDA type and no autograd here.
#include <cstdint>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf {

// ---- elementwise -----------------------------------------------------------------

enum class BinaryOp { kAdd, kSub, kMul, kDiv, kPow, kMax, kMin };
enum class UnaryOp { kNeg, kExp, kLog, kSqrt, kAbs, kSquare, kTanh, kSigmoid, kRelu, kSoftplus, kSign };

// ---- convolution (gf::conv2d; gf::conv_transpose2d runs its adjoint) ----------------

struct Conv2dParams {
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_h = 0, pad_w = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t groups = 1;
  /// Square shorthand: Conv2dParams::make(stride, pad, dilation, groups).
  static Conv2dParams make(std::int64_t stride, std::int64_t pad = 0, std::int64_t dilation = 1,
                           std::int64_t groups = 1) {
    return {stride, stride, pad, pad, dilation, dilation, groups};
  }
};

// ---- pooling and padding ------------------------------------------------------------

/// Square windows of `kernel` x `kernel` every `stride` pixels, over the input
/// padded by `padding` on each side.
struct Pool2dParams {
  std::int64_t kernel = 1, stride = 1, padding = 0;
};

enum class PadMode { kZero, kReflect };

// ---- optimizer updates (gf::adam_update_, gf::sgd_update_) ---------------------

/// One Adam step's constants (t is the 1-based step of these parameters).
struct AdamStep {
  double lr, beta1, beta2, eps, weight_decay;
  std::int64_t t;
};

/// One parameter's tensors for Adam: same shape, contiguous, same dtype.
struct AdamTensors {
  Tensor param, grad, exp_avg, exp_avg_sq;
};

/// One SGD step's constants; `first` marks the parameters' first step, where
/// the momentum buffer starts as g itself.
struct SgdStep {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, first;
};

/// One parameter's tensors for SGD: same shape, contiguous, same dtype;
/// momentum_buffer is undefined when momentum == 0.
struct SgdTensors {
  Tensor param, grad, momentum_buffer;
};

}  // namespace gf
