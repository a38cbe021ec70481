#include "gf/core/allocator.hpp"

#include <array>
#include <bit>
#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "gf/core/error.hpp"

namespace gf {
namespace {

// Size classes: four per power of two (at most 25% waste), so tensors whose
// sizes differ slightly still share blocks.
std::size_t size_class(std::size_t nbytes) {
  const std::size_t n = std::max<std::size_t>(nbytes, kCpuAlignment);
  const int log2 = std::bit_width(n) - 1;
  const std::size_t step = std::max<std::size_t>(kCpuAlignment, std::size_t{1} << std::max(0, log2 - 2));
  return (n + step - 1) / step * step;
}

void* system_allocate(std::size_t bytes) {
  void* p = std::aligned_alloc(kCpuAlignment, bytes);
  GF_CHECK(p != nullptr, "cpu allocator: out of memory allocating ", bytes, " bytes");
  return p;
}

// Every block is cached by size class when its tensor dies and handed to the
// next request of that class. One mutex: the data loader's thread allocates
// too, and contention is rare.
class CachingCpuAllocator final : public Allocator {
 public:
  void* allocate(std::size_t nbytes) override {
    const std::size_t bytes = size_class(nbytes);
    std::lock_guard<std::mutex> lock(mutex_);
    void* p = nullptr;
    auto& list = free_[bytes];
    if (!list.empty()) {
      p = list.back();
      list.pop_back();
      ++stats_.cache_hits;
    } else {
      p = system_allocate(bytes);
      ++stats_.system_allocations;
      stats_.reserved_bytes += bytes;
    }
    live_[p] = bytes;
    stats_.allocated_bytes += bytes;
    stats_.peak_allocated_bytes = std::max(stats_.peak_allocated_bytes, stats_.allocated_bytes);
    return p;
  }

  void deallocate(void* ptr) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(ptr);
    if (it == live_.end()) return;  // not ours (cannot happen through Storage)
    stats_.allocated_bytes -= it->second;
    free_[it->second].push_back(ptr);
    live_.erase(it);
  }

  CpuAllocatorStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

  void empty_cache() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [bytes, list] : free_) {
      for (void* p : list) std::free(p);
      stats_.reserved_bytes -= bytes * list.size();
      list.clear();
    }
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::size_t, std::vector<void*>> free_;  // size class -> cached blocks
  std::unordered_map<void*, std::size_t> live_;               // block -> its size class
  CpuAllocatorStats stats_;
};

CachingCpuAllocator& cpu_allocator() {
  // Never destroyed: tensors in static objects may be freed after main returns.
  static auto* allocator = new CachingCpuAllocator();
  return *allocator;
}

std::array<Allocator*, 2>& registry() {
  static std::array<Allocator*, 2> allocators{&cpu_allocator(), nullptr};
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

CpuAllocatorStats cpu_allocator_stats() { return cpu_allocator().stats(); }
void cpu_empty_cache() { cpu_allocator().empty_cache(); }

}  // namespace gf
