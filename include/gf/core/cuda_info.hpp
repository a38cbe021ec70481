#pragma once
// The CUDA backend as the rest of the program sees it: whether it is built,
// how many GPUs it sees, its memory statistics and its math switches. Every
// function here also works in a build without CUDA (no GPU, empty statistics).
#include "gf/core/allocator.hpp"

namespace gf {

/// True when ganforge was built with the CUDA backend (GF_CUDA found nvcc and cuDNN).
bool cuda_is_built();

/// Number of usable CUDA devices (0 without the backend, a driver or a GPU).
int cuda_device_count();

/// cuda_device_count() > 0.
inline bool cuda_is_available() { return cuda_device_count() > 0; }

/// What the caching allocator of GPU `index` holds (all zero before its first
/// allocation, or without the backend). Setting GF_CUDA_ALLOC_STATS=1 in the
/// environment prints these figures for every GPU used when the program exits.
AllocatorStats cuda_allocator_stats(int index = 0);

/// Returns the cached (free) blocks of every GPU to the driver.
void cuda_empty_cache();

/// Allows TF32 tensor-core math (10-bit mantissa inputs, float32 accumulate) in
/// cuBLAS matmuls and cuDNN convolutions. Off by default: float32 results then
/// match the CPU to 1e-4; with TF32 on expect about 1e-2 relative error and up
/// to several times the speed on Ampere and later GPUs.
void set_allow_tf32(bool on);
bool allow_tf32();

}  // namespace gf
