// The CUDA backend's runtime questions, declared in include/gf/core/cuda_info.hpp:
// answered by cuda/runtime.cu when the backend is built, with "no GPU" otherwise.
// Here rather than in core because only this layer may see a backend.
#include "gf/core/cuda_info.hpp"

#ifdef GF_WITH_CUDA
#include "cuda/runtime.hpp"
#endif

namespace gf {

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
