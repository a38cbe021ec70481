// The CUDA backend's runtime layer: device discovery and status checking.
#include <cuda_runtime.h>
#include <cudnn.h>

#include "gf/core/error.hpp"
#include "runtime.hpp"

namespace gf::cuda {

int device_count() {
  int n = 0;
  // No driver or no GPU is not an error here: the caller falls back to the CPU.
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error
    return 0;
  }
  return n;
}

void check_status(int status, const char* call) {
  const auto s = static_cast<cudaError_t>(status);
  GF_CHECK(s == cudaSuccess, call, " failed: ", cudaGetErrorName(s), " (", cudaGetErrorString(s), ")");
}

}  // namespace gf::cuda
