#pragma once
// Device memory allocation. Each device has one Allocator; CPU memory is
// 64-byte aligned so SIMD loads of a row start never straddle a cache line.
#include <cstddef>
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

/// Lets a backend install the allocator for its device type (the CUDA backend does).
void register_allocator(DeviceType type, Allocator* allocator);

}  // namespace gf
