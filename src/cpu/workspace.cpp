#include "cpu/workspace.hpp"

#include <cstdlib>
#include <memory>

#include "gf/core/allocator.hpp"
#include "gf/core/error.hpp"

namespace gf::cpu {

void* workspace(Workspace purpose, std::size_t bytes) {
  struct Buffer {
    std::unique_ptr<void, decltype(&std::free)> data{nullptr, &std::free};
    std::size_t capacity = 0;
  };
  thread_local Buffer buffers[static_cast<std::size_t>(Workspace::kCount)];
  Buffer& buf = buffers[static_cast<std::size_t>(purpose)];
  if (buf.capacity < bytes) {
    const std::size_t rounded = (bytes + kCpuAlignment - 1) / kCpuAlignment * kCpuAlignment;
    buf.data.reset(std::aligned_alloc(kCpuAlignment, rounded));
    GF_CHECK(buf.data != nullptr, "cpu workspace: out of memory allocating ", rounded, " bytes");
    buf.capacity = rounded;
  }
  return buf.data.get();
}

}  // namespace gf::cpu
