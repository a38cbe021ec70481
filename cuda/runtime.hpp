#pragma once
// The CUDA backend's host interface to the core library (no CUDA types leak
// out, so src/ compiles with the plain C++ compiler).
#include "gf/core/allocator.hpp"

namespace gf::cuda {

/// Devices the CUDA runtime reports; 0 when no driver or GPU is present.
int device_count();

/// The caching allocator's figures for GPU `index` (zeros before it is used).
AllocatorStats allocator_stats(int index);

/// Returns every GPU's cached blocks to the driver.
void empty_cache();

}  // namespace gf::cuda
