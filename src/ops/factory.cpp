// The factories that fill values, on the device the tensor lives on: constants,
// ranges, copies of host vectors and random numbers. Declared in
// include/gf/core/factory.hpp; allocation alone is core (src/core/factory.cpp).
#include "gf/core/factory.hpp"

#include <cmath>
#include <cstring>

#include "kernels/kernels.hpp"
#include "dispatch.hpp"

namespace gf {
namespace {

// A random tensor is filled where it lives (src/cpu/random.cpp,
// cuda/random.cu) from Philox blocks reserved in the generator, one block per
// `values_per_block` elements; each element depends only on (seed, counter,
// index), never on threads or device.
template <typename Fill>
Tensor random_tensor(const Shape& shape, TensorOptions options, Rng& g, std::int64_t values_per_block,
                     Fill fill) {
  Tensor t = Tensor::empty(shape, {options.dtype, options.device});
  const std::int64_t blocks = (t.numel() + values_per_block - 1) / values_per_block;
  const std::uint64_t first = g.reserve(static_cast<std::uint64_t>(blocks));
  fill(t, g.seed(), first);
  if (options.requires_grad) t.requires_grad_();
  return t;
}

}  // namespace

Tensor full(const Shape& shape, double value, TensorOptions options) {
  const bool wants_grad = options.requires_grad;
  options.requires_grad = false;
  Tensor t = Tensor::empty(shape, options);
  t.fill_(value);
  if (wants_grad) t.requires_grad_();
  return t;
}

Tensor zeros(const Shape& shape, TensorOptions options) { return full(shape, 0.0, options); }
Tensor ones(const Shape& shape, TensorOptions options) { return full(shape, 1.0, options); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), {t.dtype(), t.device()}); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), {t.dtype(), t.device()}); }
Tensor full_like(const Tensor& t, double value) { return full(t.shape(), value, {t.dtype(), t.device()}); }
Tensor scalar_tensor(double value, TensorOptions options) { return full(Shape{}, value, options); }

Tensor arange(double start, double end, double step, TensorOptions options) {
  GF_CHECK(step != 0.0, "arange: step must be non-zero");
  const auto n = static_cast<std::int64_t>(std::max(0.0, std::ceil((end - start) / step)));
  std::vector<double> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = start + static_cast<double>(i) * step;
  return from_vector<double>(v, {n}, options);
}

template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, TensorOptions options) {
  GF_CHECK(static_cast<std::int64_t>(values.size()) == shape.numel(), "from_vector: ", values.size(),
           " values do not fill shape ", shape, " (", shape.numel(), " elements)");
  Tensor t = Tensor::empty(shape, {dtype_of<T>, Device::cpu()});
  if (!values.empty()) std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(T));
  t = t.to(options.dtype).to(options.device);
  if (options.requires_grad) t.requires_grad_();
  return t;
}

template Tensor from_vector<float>(const std::vector<float>&, const Shape&, TensorOptions);
template Tensor from_vector<double>(const std::vector<double>&, const Shape&, TensorOptions);
template Tensor from_vector<std::int64_t>(const std::vector<std::int64_t>&, const Shape&, TensorOptions);

Tensor randn(const Shape& shape, TensorOptions options, Rng* gen) {
  // Box-Muller: each Philox block (4 words) gives two normals.
  return random_tensor(shape, options, gen ? *gen : default_rng(), 2,
                       [](const Tensor& t, std::uint64_t seed, std::uint64_t first) {
                         kernels_on(t.device()).random_normal(t, seed, first);
                       });
}

Tensor rand(const Shape& shape, TensorOptions options, Rng* gen) {
  return random_tensor(shape, options, gen ? *gen : default_rng(), 4,
                       [](const Tensor& t, std::uint64_t seed, std::uint64_t first) {
                         kernels_on(t.device()).random_uniform(t, seed, first);
                       });
}

Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, TensorOptions options, Rng* gen) {
  GF_CHECK(high > low, "randint: empty range [", low, ", ", high, ")");
  Rng& g = gen ? *gen : default_rng();
  const bool wants_grad = options.requires_grad;
  options.requires_grad = false;
  std::vector<std::int64_t> v(static_cast<std::size_t>(shape.numel()));
  for (auto& x : v) x = low + static_cast<std::int64_t>(g.below(static_cast<std::uint64_t>(high - low)));
  Tensor t = from_vector<std::int64_t>(v, shape, options);
  if (wants_grad) t.requires_grad_();
  return t;
}

}  // namespace gf
