#include "gf/core/allocator.hpp"

#include <array>
#include <cstdlib>

#include "core/caching_allocator.hpp"
#include "gf/core/error.hpp"

namespace gf {
namespace {

// Host memory from the C library, 64-byte aligned so a SIMD row never
// straddles a cache line.
class CachingCpuAllocator final : public detail::CachingAllocator {
 protected:
  std::size_t granule() const override { return kCpuAlignment; }
  void* system_allocate(std::size_t bytes) override { return std::aligned_alloc(kCpuAlignment, bytes); }
  void system_free(void* ptr) override { std::free(ptr); }
  std::string out_of_memory_message(std::size_t bytes, const AllocatorStats& s) const override {
    return detail::concat("cpu allocator: out of memory allocating ", bytes, " bytes (", s.allocated_bytes,
                          " bytes in live tensors)");
  }
};

CachingCpuAllocator& cpu_allocator() {
  // Never destroyed: tensors in static objects may be freed after main returns.
  static auto* allocator = new CachingCpuAllocator();
  return *allocator;
}

std::array<AllocatorProvider, 2>& providers() {
  static std::array<AllocatorProvider, 2> table{[](int) -> Allocator& { return cpu_allocator(); }, nullptr};
  return table;
}

}  // namespace

Allocator& allocator_for(Device device) {
  AllocatorProvider provider = providers()[static_cast<std::size_t>(device.type)];
  GF_CHECK(provider != nullptr, "allocator: no allocator for device ", device,
           " (ganforge was built without the CUDA backend)");
  return provider(device.index);
}

void register_allocator(DeviceType type, AllocatorProvider provider) {
  providers()[static_cast<std::size_t>(type)] = provider;
}

AllocatorStats cpu_allocator_stats() { return cpu_allocator().stats(); }
void cpu_empty_cache() { cpu_allocator().empty_cache(); }

}  // namespace gf
