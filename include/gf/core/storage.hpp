#pragma once
// A reference-counted block of device memory. Tensors are views onto a Storage;
// several tensors (a tensor and its transpose, say) can share one.
#include <cstddef>
#include <memory>

#include "gf/core/allocator.hpp"
#include "gf/core/device.hpp"

namespace gf {

class Storage {
 public:
  /// Allocates `nbytes` on `device` (uninitialised).
  Storage(std::size_t nbytes, Device device);
  /// Wraps memory the caller owns; `keep_alive` is released when the storage dies.
  Storage(void* data, std::size_t nbytes, Device device, std::shared_ptr<void> keep_alive);

  void* data() const { return data_.get(); }
  std::size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

 private:
  std::shared_ptr<void> data_;
  std::size_t nbytes_;
  Device device_;
};

}  // namespace gf
