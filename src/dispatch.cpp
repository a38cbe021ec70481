// Picking a backend by device (src/dispatch.hpp), and the CUDA backend's
// runtime questions declared in include/gf/core/cuda_info.hpp: answered by
// cuda/runtime.cu when the backend is built, with "no GPU" otherwise. Here
// rather than in core because only this layer may see a backend.
#include "dispatch.hpp"

#include "gf/core/cuda_info.hpp"
#include "gf/core/error.hpp"

#ifdef GF_WITH_CUDA
#include "cuda/runtime.hpp"
#endif

namespace gf {

const kernels::Backend& kernels_on(Device device) {
  if (device.is_cpu()) return kernels::cpu_backend;
#ifdef GF_WITH_CUDA
  return kernels::cuda_backend;
#else
  throw Error(detail::concat("no kernel for device ", device,
                             " (this build of ganforge has no CUDA backend; rebuild with -DGF_CUDA=ON)"));
#endif
}

int cuda_device_count() {
#ifdef GF_WITH_CUDA
  return cuda::device_count();
#else
  return 0;
#endif
}

AllocatorStats cuda_allocator_stats(int index) {
#ifdef GF_WITH_CUDA
  return cuda::allocator_stats(index);
#else
  (void)index;
  return {};
#endif
}

void cuda_empty_cache() {
#ifdef GF_WITH_CUDA
  cuda::empty_cache();
#endif
}

}  // namespace gf
