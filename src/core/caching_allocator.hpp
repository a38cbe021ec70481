#pragma once
// The caching allocator shared by every device: the CPU allocator and the CUDA
// one differ only in how they get memory from the system.
//
// Every block is rounded up to a size class (four per power of two, so at most
// 25% waste) and, when its tensor dies, kept on the free list of its class and
// handed to the next request of that class. A training loop asks for the same
// sizes step after step, so after its first steps it stops calling the system
// allocator altogether (no page faults on the CPU, no cudaMalloc, whose
// implicit device synchronisation would stall the GPU).
#include <algorithm>
#include <bit>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "gf/core/allocator.hpp"
#include "gf/core/error.hpp"

namespace gf::detail {

/// `nbytes` rounded up to its size class; classes are multiples of `granule`.
inline std::size_t size_class(std::size_t nbytes, std::size_t granule) {
  const std::size_t n = std::max(nbytes, granule);
  const int log2 = std::bit_width(n) - 1;
  const std::size_t step = std::max(granule, std::size_t{1} << std::max(0, log2 - 2));
  return (n + step - 1) / step * step;
}

class CachingAllocator : public Allocator {
 public:
  void* allocate(std::size_t nbytes) override {
    const std::size_t bytes = size_class(nbytes, granule());
    std::lock_guard<std::mutex> lock(mutex_);
    void* p = nullptr;
    auto& list = free_[bytes];
    if (!list.empty()) {
      p = list.back();
      list.pop_back();
      ++stats_.cache_hits;
    } else {
      p = system_allocate_or_release_cache(bytes);
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

  AllocatorStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

  /// Returns every cached block to the system (live blocks are untouched).
  void empty_cache() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_cached_blocks();
  }

 protected:
  /// The alignment and smallest size class of this device's blocks.
  virtual std::size_t granule() const = 0;
  /// Fresh memory from the system, or nullptr when it has none left.
  virtual void* system_allocate(std::size_t bytes) = 0;
  virtual void system_free(void* ptr) = 0;
  /// The error to throw when even an emptied cache leaves no room.
  virtual std::string out_of_memory_message(std::size_t bytes, const AllocatorStats& stats) const = 0;

 private:
  // Cached blocks of other size classes may be what stands between a request
  // and success: give them back and try once more before failing.
  void* system_allocate_or_release_cache(std::size_t bytes) {
    if (void* p = system_allocate(bytes)) return p;
    release_cached_blocks();
    if (void* p = system_allocate(bytes)) return p;
    throw Error(out_of_memory_message(bytes, stats_));
  }

  void release_cached_blocks() {
    for (auto& [bytes, list] : free_) {
      for (void* p : list) system_free(p);
      stats_.reserved_bytes -= bytes * list.size();
      list.clear();
    }
  }

  std::mutex mutex_;
  std::unordered_map<std::size_t, std::vector<void*>> free_;  // size class -> cached blocks
  std::unordered_map<void*, std::size_t> live_;               // block -> its size class
  AllocatorStats stats_;
};

}  // namespace gf::detail
