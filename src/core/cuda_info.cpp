#include "gf/core/cuda_info.hpp"

#include <atomic>

// The switches core keeps itself. The questions only the CUDA runtime can answer
// (device count, allocator statistics, emptying the cache) are in src/dispatch.cpp,
// the one layer that sees both backends.
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

void set_allow_tf32(bool on) { tf32_allowed = on; }
bool allow_tf32() { return tf32_allowed; }

}  // namespace gf
