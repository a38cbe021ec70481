#include "gf/core/allocator.hpp"

#include <array>
#include <cstdlib>
#include <new>
#include <string>

#include "gf/core/error.hpp"

namespace gf {
namespace {

class CpuAllocator final : public Allocator {
 public:
  void* allocate(std::size_t nbytes) override {
    // aligned_alloc wants a size that is a multiple of the alignment.
    const std::size_t rounded = (std::max<std::size_t>(nbytes, 1) + kCpuAlignment - 1) / kCpuAlignment * kCpuAlignment;
    void* p = std::aligned_alloc(kCpuAlignment, rounded);
    GF_CHECK(p != nullptr, "cpu allocator: out of memory allocating ", nbytes, " bytes");
    return p;
  }
  void deallocate(void* ptr) override { std::free(ptr); }
};

std::array<Allocator*, 2>& registry() {
  static CpuAllocator cpu;
  static std::array<Allocator*, 2> allocators{&cpu, nullptr};
  return allocators;
}

}  // namespace

Allocator& allocator_for(Device device) {
  Allocator* a = registry()[static_cast<std::size_t>(device.type)];
  GF_CHECK(a != nullptr, "allocator: no allocator for device ", device,
           " (ganforge was built without the CUDA backend, or it found no GPU)");
  return *a;
}

void register_allocator(DeviceType type, Allocator* allocator) {
  registry()[static_cast<std::size_t>(type)] = allocator;
}

}  // namespace gf
