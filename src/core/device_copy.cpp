#include "gf/core/device_copy.hpp"

#include <array>
#include <cstring>

#include "gf/core/error.hpp"

namespace gf {
namespace {
std::array<CopyBytesFn, 2>& copy_fns() {
  static std::array<CopyBytesFn, 2> fns{nullptr, nullptr};
  return fns;
}
}  // namespace

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, std::size_t nbytes) {
  if (nbytes == 0) return;
  if (dst_device.is_cpu() && src_device.is_cpu()) {
    std::memcpy(dst, src, nbytes);
    return;
  }
  const Device other = dst_device.is_cpu() ? src_device : dst_device;
  CopyBytesFn fn = copy_fns()[static_cast<std::size_t>(other.type)];
  GF_CHECK(fn != nullptr, "copy ", src_device, " -> ", dst_device,
           ": no backend for ", other, " (ganforge was built without CUDA, or no GPU was found)");
  fn(dst, dst_device, src, src_device, nbytes);
}

void register_copy_bytes(DeviceType type, CopyBytesFn fn) { copy_fns()[static_cast<std::size_t>(type)] = fn; }

}  // namespace gf
