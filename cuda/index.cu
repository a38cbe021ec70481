// CUDA gather / scatter-add along one dim, and of whole rows (embedding
// lookups): twins of src/cpu/index.cpp.
//
// One thread per picked position p = (o, 0, i) of the (outer, 1, inner)
// tensor, touching element (o, index[p], i) of the (outer, K, inner) one.
// Every fibre (o, :, i) has exactly one pick, so no two threads ever write the
// same element: the scatter needs no atomics and is deterministic.
#include "kernels/kernels.hpp"
#include "cuda/loops.cuh"

namespace gf::cuda {
namespace {

// The element of the full tensor that pick p refers to.
__device__ inline std::int64_t picked(const kernels::Fibres& f, const std::int64_t* index, std::int64_t p) {
  const std::int64_t o = p / f.inner, i = p % f.inner;
  return (o * f.k + index[p]) * f.inner + i;
}

// out[p] = x[(o, index[p], i)]   out, index (outer, 1, inner); x (outer, K, inner)
template <typename T>
__global__ void gather_kernel(kernels::Fibres f, T* out, const T* x, const std::int64_t* index) {
  GF_CUDA_KERNEL_LOOP(p, f.outer * f.inner) { out[p] = x[picked(f, index, p)]; }
}

// out[(o, index[p], i)] += src[p]   out (outer, K, inner); src, index (outer, 1, inner)
template <typename T>
__global__ void scatter_add_kernel(kernels::Fibres f, T* out, const T* src, const std::int64_t* index) {
  GF_CUDA_KERNEL_LOOP(p, f.outer * f.inner) { out[picked(f, index, p)] += src[p]; }
}

// out[r, c] = table[index[r], c]   out (N, D); table (K, D)
template <typename T>
__global__ void gather_rows_kernel(std::int64_t d, T* out, const T* table, const std::int64_t* index, std::int64_t n) {
  GF_CUDA_KERNEL_LOOP(p, n * d) { out[p] = table[index[p / d] * d + p % d]; }
}

// out[index[r], c] += src[r, c] for r = 0 .. n-1 in order: one thread per
// column c, so rows with the same index never race and the sum's order is fixed.
template <typename T>
__global__ void scatter_add_rows_kernel(std::int64_t d, T* out, const T* src, const std::int64_t* index,
                                        std::int64_t n) {
  GF_CUDA_KERNEL_LOOP(c, d) {
    for (std::int64_t r = 0; r < n; ++r) out[index[r] * d + c] += src[r * d + c];
  }
}

}  // namespace

void gather_dim(const Tensor& out, const Tensor& x, const Tensor& index, std::int64_t dim) {
  const kernels::Fibres f = kernels::fibres_of(x.shape(), dim);
  const std::int64_t n = f.outer * f.inner;
  GF_DTYPE_DISPATCH_ALL(x.dtype(), "gather_dim", [&] {
    if (n == 0) return;
    DeviceGuard guard(out);
    gather_kernel<scalar_t><<<blocks_for(n), kThreadsPerBlock, 0, stream(out)>>>(
        f, out.data<scalar_t>(), x.data<scalar_t>(), index.data<std::int64_t>());
    GF_CUDA_CHECK_LAUNCH("gather_dim");
  });
}

void scatter_add_dim(const Tensor& out, const Tensor& src, const Tensor& index, std::int64_t dim) {
  const kernels::Fibres f = kernels::fibres_of(out.shape(), dim);
  const std::int64_t n = f.outer * f.inner;
  GF_DTYPE_DISPATCH_ALL(out.dtype(), "scatter_add_dim", [&] {
    if (n == 0) return;
    DeviceGuard guard(out);
    scatter_add_kernel<scalar_t><<<blocks_for(n), kThreadsPerBlock, 0, stream(out)>>>(
        f, out.data<scalar_t>(), src.data<scalar_t>(), index.data<std::int64_t>());
    GF_CUDA_CHECK_LAUNCH("scatter_add_dim");
  });
}

void gather_rows(const Tensor& out, const Tensor& table, const Tensor& index) {
  const std::int64_t n = index.numel(), d = table.size(1);
  GF_DTYPE_DISPATCH_ALL(table.dtype(), "gather_rows", [&] {
    if (n * d == 0) return;
    DeviceGuard guard(out);
    gather_rows_kernel<scalar_t><<<blocks_for(n * d), kThreadsPerBlock, 0, stream(out)>>>(
        d, out.data<scalar_t>(), table.data<scalar_t>(), index.data<std::int64_t>(), n);
    GF_CUDA_CHECK_LAUNCH("gather_rows");
  });
}

void scatter_add_rows(const Tensor& out, const Tensor& src, const Tensor& index) {
  const std::int64_t n = index.numel(), d = out.size(1);
  GF_DTYPE_DISPATCH_ALL(out.dtype(), "scatter_add_rows", [&] {
    if (n * d == 0) return;
    DeviceGuard guard(out);
    scatter_add_rows_kernel<scalar_t><<<blocks_for(d), kThreadsPerBlock, 0, stream(out)>>>(
        d, out.data<scalar_t>(), src.data<scalar_t>(), index.data<std::int64_t>(), n);
    GF_CUDA_CHECK_LAUNCH("scatter_add_rows");
  });
}

}  // namespace gf::cuda
