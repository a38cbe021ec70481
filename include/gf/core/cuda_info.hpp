#pragma once
// Whether this build has the CUDA backend, and how many GPUs it sees.
namespace gf {

/// True when ganforge was built with the CUDA backend (GF_CUDA found nvcc and cuDNN).
bool cuda_is_built();
/// Number of usable CUDA devices (0 without the backend, a driver or a GPU).
int cuda_device_count();
/// cuda_device_count() > 0.
inline bool cuda_is_available() { return cuda_device_count() > 0; }

}  // namespace gf
