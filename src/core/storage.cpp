#include "gf/core/storage.hpp"

namespace gf {

Storage::Storage(std::size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
  Allocator& allocator = allocator_for(device);
  data_ = std::shared_ptr<void>(allocator.allocate(nbytes), [&allocator](void* p) { allocator.deallocate(p); });
}

Storage::Storage(void* data, std::size_t nbytes, Device device, std::shared_ptr<void> keep_alive)
    : data_(std::move(keep_alive), data), nbytes_(nbytes), device_(device) {}

}  // namespace gf
