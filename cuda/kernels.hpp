#pragma once
// The CUDA kernel twins: for every kernel gf::cpu::name in src/cpu there is a
// gf::cuda::name here with the same signature, so GF_DISPATCH (src/dispatch.hpp)
// can pick either by the tensors' device. The parameter types (BinaryOp,
// Conv2dParams, Pool2dParams, AdamStep ...) are the CPU headers' own. Host code
// only: no CUDA type appears here, and src/ compiles with the C++ compiler.
//
// Every kernel queues its work on the stream of its tensors' GPU and returns
// without waiting (see cuda/context.cuh).
#include <cstdint>
#include <vector>

#include "cpu/conv.hpp"
#include "cpu/elementwise.hpp"
#include "cpu/loss.hpp"
#include "cpu/norm.hpp"
#include "cpu/optim.hpp"
#include "cpu/pool.hpp"
#include "cpu/shape.hpp"
#include "gf/core/tensor.hpp"

namespace gf::cuda {

using cpu::BinaryOp;
using cpu::UnaryOp;
using cpu::Pool2dParams;

// ---- copy (cuda/copy.cu) ------------------------------------------------------
void copy(const Tensor& dst, const Tensor& src);
void fill(const Tensor& dst, double value);

// ---- elementwise (cuda/elementwise.cu) ----------------------------------------
void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b);
void binary_scalar(BinaryOp op, const Tensor& out, const Tensor& x, double s);
void scalar_binary(BinaryOp op, const Tensor& out, double s, const Tensor& x);
void unary(UnaryOp op, const Tensor& out, const Tensor& x);
void leaky_relu(const Tensor& out, const Tensor& x, double slope);
void leaky_relu_backward(const Tensor& out, const Tensor& grad, const Tensor& x, double slope);
void clamp(const Tensor& out, const Tensor& x, double lo, double hi);
void clamp_backward(const Tensor& out, const Tensor& grad, const Tensor& x, double lo, double hi);

// ---- dropout, losses, index (cuda/dropout.cu, cuda/loss.cu, cuda/index.cu) ----
void dropout_mask(const Tensor& mask, const Tensor& uniform, double p);
void bce(const Tensor& out, const Tensor& p, const Tensor& y);
void bce_backward_probs(const Tensor& gp, const Tensor& g, const Tensor& p, const Tensor& y);
void bce_backward_target(const Tensor& gy, const Tensor& g, const Tensor& p);
void gather_dim(const Tensor& out, const Tensor& x, const Tensor& index, std::int64_t dim);
void scatter_add_dim(const Tensor& out, const Tensor& src, const Tensor& index, std::int64_t dim);

// ---- sorting (cuda/sort.cu) ---------------------------------------------------
void sort_rows(const Tensor& values, const Tensor& indices, const Tensor& x, bool descending);
void unsort_rows(const Tensor& out, const Tensor& src, const Tensor& index);

// ---- random generation (cuda/random.cu) ---------------------------------------
void random_uniform(const Tensor& t, std::uint64_t seed, std::uint64_t first_block);
void random_normal(const Tensor& t, std::uint64_t seed, std::uint64_t first_block);

// ---- reductions (cuda/reduce.cu) ----------------------------------------------
void sum_dims(const Tensor& out, const Tensor& x, const std::vector<std::int64_t>& dims);
void max_dim(const Tensor& values, const Tensor& indices, const Tensor& x, std::int64_t dim);

// ---- padding, pooling, upsampling (cuda/shape.cu, cuda/pool.cu) ---------------
void pad2d(const Tensor& out, const Tensor& x, std::int64_t left, std::int64_t top, PadMode mode);
void pad2d_backward(const Tensor& gx, const Tensor& g, std::int64_t left, std::int64_t top, PadMode mode);
void max_pool2d(const Tensor& out, const Tensor& indices, const Tensor& x, Pool2dParams p);
void max_pool2d_backward(const Tensor& gx, const Tensor& g, const Tensor& indices);
void avg_pool2d(const Tensor& out, const Tensor& x, Pool2dParams p);
void avg_pool2d_backward(const Tensor& gx, const Tensor& g, Pool2dParams p);
void upsample_nearest2d(const Tensor& out, const Tensor& x, std::int64_t scale);
void upsample_nearest2d_backward(const Tensor& gx, const Tensor& g, std::int64_t scale);
void upsample_bilinear2d(const Tensor& out, const Tensor& x, std::int64_t scale);
void upsample_bilinear2d_backward(const Tensor& gx, const Tensor& g, std::int64_t scale);

// ---- batch norm / instance norm (cuda/norm.cu) --------------------------------
void channel_moments(const Tensor& x, const Tensor& mean, const Tensor& var);
void channel_normalize(const Tensor& y, const Tensor& x, const Tensor& mean, const Tensor& scale,
                       const Tensor& shift);
void norm_backward(const Tensor& dx, const Tensor& sum_dy, const Tensor& sum_dy_xhat, const Tensor& dy,
                   const Tensor& x, const Tensor& mean, const Tensor& inv_std, const Tensor& gamma);

// ---- cuBLAS matmul (cuda/matmul.cu), cuDNN convolution (cuda/conv.cu) ----------
void matmul(const Tensor& out, const Tensor& a, const Tensor& b);
void conv2d_forward(const Tensor& y, const Tensor& x, const Tensor& w, const Conv2dParams& p);
void conv2d_backward_input(const Tensor& gx, const Tensor& gy, const Tensor& w, const Conv2dParams& p);
void conv2d_backward_weight(const Tensor& gw, const Tensor& x, const Tensor& gy, const Conv2dParams& p);

// ---- optimizers (cuda/optim.cu) -----------------------------------------------
void adam_update(const std::vector<AdamTensors>& tensors, const AdamStep& s);
void sgd_update(const std::vector<SgdTensors>& tensors, const SgdStep& s);

}  // namespace gf::cuda
