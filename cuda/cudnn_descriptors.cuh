#pragma once
// RAII wrappers for the cuDNN descriptors the backend uses. A descriptor only
// describes (shape, dtype, convolution geometry); it holds no data, so one is
// built per call from the tensors at hand, which costs a few microseconds.
#include <climits>
#include <cstdint>

#include "cuda/check.cuh"
#include "gf/core/dtype.hpp"
#include "gf/core/tensor.hpp"
#include "gf/kernels/params.hpp"

namespace gf::cuda {

/// cuDNN's name for a floating dtype.
inline cudnnDataType_t cudnn_dtype(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return CUDNN_DATA_FLOAT;
    case DType::kFloat64:
      return CUDNN_DATA_DOUBLE;
    default:
      throw Error(detail::concat("cudnn: expected a float32 or float64 tensor, got ", dtype));
  }
}

/// `v` as the int cuDNN takes, or an error naming `what` when it does not fit.
inline int cudnn_int(std::int64_t v, const char* what) {
  GF_CHECK(v >= 0 && v <= INT_MAX, "cudnn: ", what, " = ", v, " does not fit cuDNN's int");
  return static_cast<int>(v);
}

/// cuDNN's blend factors (out = alpha result + beta out), here always
/// alpha = 1 and beta = 0: a double for double data, a float otherwise.
inline const void* cudnn_one(DType dtype) {
  static const float f = 1.0f;
  static const double d = 1.0;
  return dtype == DType::kFloat64 ? static_cast<const void*>(&d) : &f;
}
inline const void* cudnn_zero(DType dtype) {
  static const float f = 0.0f;
  static const double d = 0.0;
  return dtype == DType::kFloat64 ? static_cast<const void*>(&d) : &f;
}

/// A dense NCHW tensor: (n, c, h, w), contiguous.
class TensorDescriptor {
 public:
  TensorDescriptor(DType dtype, std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) {
    GF_CUDNN_CHECK(cudnnCreateTensorDescriptor(&desc_));
    GF_CUDNN_CHECK(cudnnSetTensor4dDescriptor(desc_, CUDNN_TENSOR_NCHW, cudnn_dtype(dtype), cudnn_int(n, "N"),
                                              cudnn_int(c, "C"), cudnn_int(h, "H"), cudnn_int(w, "W")));
  }
  /// The descriptor of a contiguous (N, C, H, W) tensor.
  explicit TensorDescriptor(const Tensor& t)
      : TensorDescriptor(t.dtype(), t.size(0), t.size(1), t.size(2), t.size(3)) {}
  /// An empty descriptor, for cuDNN to fill (e.g. cudnnDeriveBNTensorDescriptor).
  TensorDescriptor() { GF_CUDNN_CHECK(cudnnCreateTensorDescriptor(&desc_)); }
  ~TensorDescriptor() { cudnnDestroyTensorDescriptor(desc_); }
  TensorDescriptor(const TensorDescriptor&) = delete;
  TensorDescriptor& operator=(const TensorDescriptor&) = delete;
  operator cudnnTensorDescriptor_t() const { return desc_; }

 private:
  cudnnTensorDescriptor_t desc_ = nullptr;
};

/// A convolution weight (C_out, C_in / groups, kH, kW), contiguous.
class FilterDescriptor {
 public:
  explicit FilterDescriptor(const Tensor& w) {
    GF_CUDNN_CHECK(cudnnCreateFilterDescriptor(&desc_));
    GF_CUDNN_CHECK(cudnnSetFilter4dDescriptor(desc_, cudnn_dtype(w.dtype()), CUDNN_TENSOR_NCHW,
                                              cudnn_int(w.size(0), "C_out"), cudnn_int(w.size(1), "C_in / groups"),
                                              cudnn_int(w.size(2), "kH"), cudnn_int(w.size(3), "kW")));
  }
  ~FilterDescriptor() { cudnnDestroyFilterDescriptor(desc_); }
  FilterDescriptor(const FilterDescriptor&) = delete;
  FilterDescriptor& operator=(const FilterDescriptor&) = delete;
  operator cudnnFilterDescriptor_t() const { return desc_; }

 private:
  cudnnFilterDescriptor_t desc_ = nullptr;
};

/// The geometry of a 2-D convolution: padding, stride, dilation, groups,
/// computed in the data's own precision. (Deep-learning "convolution" is
/// cross-correlation: the kernel is not flipped.)
class ConvolutionDescriptor {
 public:
  ConvolutionDescriptor(const Conv2dParams& p, DType dtype) {
    GF_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&desc_));
    GF_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(
        desc_, cudnn_int(p.pad_h, "pad_h"), cudnn_int(p.pad_w, "pad_w"), cudnn_int(p.stride_h, "stride_h"),
        cudnn_int(p.stride_w, "stride_w"), cudnn_int(p.dilation_h, "dilation_h"),
        cudnn_int(p.dilation_w, "dilation_w"), CUDNN_CROSS_CORRELATION, cudnn_dtype(dtype)));
    GF_CUDNN_CHECK(cudnnSetConvolutionGroupCount(desc_, cudnn_int(p.groups, "groups")));
  }
  ~ConvolutionDescriptor() { cudnnDestroyConvolutionDescriptor(desc_); }
  ConvolutionDescriptor(const ConvolutionDescriptor&) = delete;
  ConvolutionDescriptor& operator=(const ConvolutionDescriptor&) = delete;
  operator cudnnConvolutionDescriptor_t() const { return desc_; }

  /// Which kernels cuDNN may use: plain FMA, or also tensor cores (TF32).
  void set_math_type(cudnnMathType_t math) { GF_CUDNN_CHECK(cudnnSetConvolutionMathType(desc_, math)); }

 private:
  cudnnConvolutionDescriptor_t desc_ = nullptr;
};

}  // namespace gf::cuda
