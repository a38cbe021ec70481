#pragma once
// Device memory allocation. Each device has one Allocator; CPU memory is
// 64-byte aligned so SIMD loads of a row start never straddle a cache line.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "gf/core/device.hpp"

namespace gf {

class Allocator {
 public:
  virtual ~Allocator() = default;
  /// Returns `nbytes` of memory (never null; throws gf::Error when out of memory).
  virtual void* allocate(std::size_t nbytes) = 0;
  virtual void deallocate(void* ptr) = 0;
};

inline constexpr std::size_t kCpuAlignment = 64;

/// The allocator for `device`. CUDA registers its own when the backend is built.
Allocator& allocator_for(Device device);

/// Gives the allocator of device number `index` of a backend's device type.
using AllocatorProvider = Allocator& (*)(int index);
/// Lets a backend install the allocators for its device type (the CUDA backend does).
void register_allocator(DeviceType type, AllocatorProvider provider);

/// What a caching allocator holds (the CPU's, or a GPU's). Blocks are kept on
/// free lists by size class (four classes per power of two) after a tensor
/// dies and handed to the next request of that class, so a training loop stops
/// asking the system for memory after its first steps.
struct AllocatorStats {
  std::size_t allocated_bytes = 0;       // in live tensors (rounded to the size class)
  std::size_t reserved_bytes = 0;        // allocated + cached for reuse
  std::size_t peak_allocated_bytes = 0;  // high-water mark of allocated_bytes
  std::uint64_t system_allocations = 0;  // blocks that had to come from the system
  std::uint64_t cache_hits = 0;          // requests served from the cache
};

AllocatorStats cpu_allocator_stats();
/// Returns every cached block to the system (live tensors are untouched).
void cpu_empty_cache();

}  // namespace gf
