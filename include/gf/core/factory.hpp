#pragma once
// Functions that make new tensors.
//
//   auto z = gf::zeros({4, 100});                        // float32, CPU
//   auto x = gf::randn({4, 100}, {}, &gen);              // from an explicit generator
//   auto w = gf::from_vector<double>({1, 2, 3, 4}, {2, 2});
#include <cstdint>
#include <vector>

#include "gf/core/rng.hpp"
#include "gf/core/tensor.hpp"

namespace gf {

Tensor empty(const Shape& shape, TensorOptions options = {});
Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, double value, TensorOptions options = {});
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
/// A 0-D tensor holding `value`.
Tensor scalar_tensor(double value, TensorOptions options = {});

/// [start, end) with `step`: arange(0, 5) = [0, 1, 2, 3, 4].
Tensor arange(double start, double end, double step = 1.0, TensorOptions options = {});

/// Copies `values` into a new tensor of `shape` (numel must match); dtype from T
/// unless options.dtype differs (then converted).
template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, TensorOptions options = {dtype_of<T>});

/// Wraps memory the caller owns (no copy). The caller keeps `data` alive as long
/// as the tensor or any view of it lives.
Tensor from_blob(void* data, const Shape& shape, DType dtype = DType::kFloat32);

/// Standard normal N(0, 1). `gen` null means the default generator.
Tensor randn(const Shape& shape, TensorOptions options = {}, Rng* gen = nullptr);
/// Uniform in [0, 1).
Tensor rand(const Shape& shape, TensorOptions options = {}, Rng* gen = nullptr);
/// Uniform integers in [low, high), int64 unless options say otherwise.
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape,
               TensorOptions options = {DType::kInt64}, Rng* gen = nullptr);

}  // namespace gf
