#include "gf/core/cuda_info.hpp"

#include <atomic>

#ifdef GF_WITH_CUDA
#include "cuda/runtime.hpp"
#endif

namespace gf {
namespace {
std::atomic<bool> tf32_allowed{false};
}  // namespace

bool cuda_is_built() {
#ifdef GF_WITH_CUDA
  return true;
#else
  return false;
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

void set_allow_tf32(bool on) { tf32_allowed = on; }
bool allow_tf32() { return tf32_allowed; }

}  // namespace gf
