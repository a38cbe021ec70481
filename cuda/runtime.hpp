#pragma once
// CUDA runtime helpers of the backend (host code only; no CUDA types leak out).
#include <string>

namespace gf::cuda {

/// Devices the CUDA runtime reports; 0 when no driver or GPU is present.
int device_count();

/// Throws gf::Error naming `call` and the CUDA status string when `status` is not success.
void check_status(int status, const char* call);

}  // namespace gf::cuda
