#pragma once
// Moving bytes between devices. The CPU-to-CPU case is memcpy; a backend for
// another device registers the function that handles any pair involving it.
#include <cstddef>

#include "gf/core/device.hpp"

namespace gf {

using CopyBytesFn = void (*)(void* dst, Device dst_device, const void* src, Device src_device, std::size_t nbytes);

/// Copies `nbytes` of contiguous memory between devices (synchronous).
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, std::size_t nbytes);

/// Called by a backend at start-up for its device type.
void register_copy_bytes(DeviceType type, CopyBytesFn fn);

}  // namespace gf
