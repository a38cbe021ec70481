#pragma once
// Every CUDA, cuBLAS and cuDNN call goes through one of these checks, which
// turn a failed status into a gf::Error naming the call and the library's own
// description of the status.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include "gf/core/error.hpp"

#define GF_CUDA_CHECK(call)                                                                            \
  do {                                                                                                 \
    const cudaError_t gf_status_ = (call);                                                             \
    GF_CHECK(gf_status_ == cudaSuccess, #call, " failed: ", cudaGetErrorName(gf_status_), " (",        \
             cudaGetErrorString(gf_status_), ")");                                                     \
  } while (0)

#define GF_CUBLAS_CHECK(call)                                                                          \
  do {                                                                                                 \
    const cublasStatus_t gf_status_ = (call);                                                          \
    GF_CHECK(gf_status_ == CUBLAS_STATUS_SUCCESS, #call, " failed: ", cublasGetStatusName(gf_status_), \
             " (", cublasGetStatusString(gf_status_), ")");                                            \
  } while (0)

#define GF_CUDNN_CHECK(call)                                                                           \
  do {                                                                                                 \
    const cudnnStatus_t gf_status_ = (call);                                                           \
    GF_CHECK(gf_status_ == CUDNN_STATUS_SUCCESS, #call, " failed: ", cudnnGetErrorString(gf_status_)); \
  } while (0)

/// Checks the launch of the kernel just queued (bad configuration, no kernel
/// image for this GPU); errors inside the kernel surface at the next sync.
#define GF_CUDA_CHECK_LAUNCH(kernel_name)                                                               \
  do {                                                                                                 \
    const cudaError_t gf_status_ = cudaPeekAtLastError();                                              \
    GF_CHECK(gf_status_ == cudaSuccess, "launching CUDA kernel ", kernel_name, " failed: ",            \
             cudaGetErrorName(gf_status_), " (", cudaGetErrorString(gf_status_), ")");                 \
  } while (0)
