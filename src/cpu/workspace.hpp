#pragma once
// Scratch memory that CPU kernels reuse from call to call.
//
// The GEMM (packed panels) and convolution (im2col columns) need megabytes of
// temporary memory on every call. Allocating it fresh each time costs more
// than it seems: blocks that large come straight from the operating system,
// and every page faults in again on first touch. Instead each thread keeps
// one growing, 64-byte aligned buffer per purpose, for as long as it lives.
#include <cstddef>

namespace gf::cpu {

enum class Workspace { kGemmPackA, kGemmPackB, kConvColumns, kConvOutput, kCount };

/// At least `bytes` of scratch for `purpose`, owned by the calling thread and
/// valid until that thread asks for the same purpose again.
void* workspace(Workspace purpose, std::size_t bytes);

template <typename T>
T* workspace(Workspace purpose, std::size_t count) {
  return static_cast<T*>(workspace(purpose, count * sizeof(T)));
}

}  // namespace gf::cpu
