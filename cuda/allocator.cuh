#pragma once
// Device memory for the backend's own scratch needs (cuDNN workspaces, the
// pointer tables of multi-tensor kernels) comes from the same caching
// allocator as tensors, so it too stops calling cudaMalloc after warm-up.
#include <cstddef>
#include <memory>

#include "gf/core/allocator.hpp"

namespace gf::cuda {

/// The caching allocator of GPU `index` (what allocator_for(cuda:index) returns).
Allocator& allocator(int index);

/// A block of scratch memory on GPU `index`, returned to the cache when the
/// handle dies. Safe to drop right after queuing the kernels that use it: the
/// next user of the block is queued on the same stream, after them.
class DeviceBuffer {
 public:
  DeviceBuffer(int index, std::size_t bytes)
      : bytes_(bytes), data_(bytes ? allocator(index).allocate(bytes) : nullptr, Deleter{&allocator(index)}) {}
  void* data() const { return data_.get(); }
  std::size_t bytes() const { return bytes_; }

 private:
  struct Deleter {
    Allocator* allocator;
    void operator()(void* p) const {
      if (p) allocator->deallocate(p);
    }
  };
  std::size_t bytes_;
  std::unique_ptr<void, Deleter> data_;
};

}  // namespace gf::cuda
