#include "gf/core/cuda_info.hpp"

#ifdef GF_WITH_CUDA
#include "runtime.hpp"
#endif

namespace gf {

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

}  // namespace gf
