#include "gf/core/factory.hpp"

#include <cmath>
#include <cstring>

#include "gf/core/device_copy.hpp"
#include "gf/core/parallel.hpp"

namespace gf {
namespace {

// Random tensors are generated on the CPU in the target dtype, then moved.
// Each element's value depends only on (seed, counter), never on threads.
template <typename Fill>
Tensor random_tensor(const Shape& shape, TensorOptions options, Fill fill) {
  TensorOptions cpu_options = options;
  cpu_options.device = Device::cpu();
  cpu_options.requires_grad = false;
  Tensor t = Tensor::empty(shape, cpu_options);
  fill(t);
  t = t.to(options.device);
  if (options.requires_grad) t.requires_grad_();
  return t;
}

}  // namespace

Tensor empty(const Shape& shape, TensorOptions options) { return Tensor::empty(shape, options); }

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

Tensor from_blob(void* data, const Shape& shape, DType dtype) {
  auto impl = std::make_shared<TensorImpl>();
  const std::size_t nbytes = static_cast<std::size_t>(shape.numel()) * dtype_size(dtype);
  impl->storage = std::make_shared<Storage>(data, nbytes, Device::cpu(), std::shared_ptr<void>());
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor randn(const Shape& shape, TensorOptions options, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  return random_tensor(shape, options, [&](Tensor& t) {
    // Box-Muller: each Philox block (4 words) gives two normals.
    const std::int64_t n = t.numel();
    const std::uint64_t first = g.reserve(static_cast<std::uint64_t>((n + 1) / 2));
    const std::uint64_t seed = g.seed();
    GF_DISPATCH_FLOATING(t.dtype(), "randn", [&] {
      scalar_t* p = t.data<scalar_t>();
      parallel_for(0, (n + 1) / 2, 4096, [&](std::int64_t b0, std::int64_t b1) {
        for (std::int64_t b = b0; b < b1; ++b) {
          const auto w = Generator::philox(seed, first + static_cast<std::uint64_t>(b));
          const std::uint64_t bits53 = (static_cast<std::uint64_t>(w[0]) << 21) | (w[1] >> 11);
          const double u1 = (static_cast<double>(bits53) + 1.0) / 9007199254740992.0;  // (0, 1]: log is finite
          const double u2 = static_cast<double>(w[2]) * (1.0 / 4294967296.0);
          const double r = std::sqrt(-2.0 * std::log(u1)), theta = 2.0 * M_PI * u2;
          p[2 * b] = static_cast<scalar_t>(r * std::cos(theta));
          if (2 * b + 1 < n) p[2 * b + 1] = static_cast<scalar_t>(r * std::sin(theta));
        }
      });
    });
  });
}

Tensor rand(const Shape& shape, TensorOptions options, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  return random_tensor(shape, options, [&](Tensor& t) {
    const std::int64_t n = t.numel();
    const std::uint64_t first = g.reserve(static_cast<std::uint64_t>((n + 3) / 4));
    const std::uint64_t seed = g.seed();
    GF_DISPATCH_FLOATING(t.dtype(), "rand", [&] {
      scalar_t* p = t.data<scalar_t>();
      parallel_for(0, (n + 3) / 4, 4096, [&](std::int64_t b0, std::int64_t b1) {
        for (std::int64_t b = b0; b < b1; ++b) {
          const auto w = Generator::philox(seed, first + static_cast<std::uint64_t>(b));
          for (std::int64_t j = 0; j < 4 && 4 * b + j < n; ++j)
            p[4 * b + j] = static_cast<scalar_t>(static_cast<double>(w[static_cast<std::size_t>(j)] >> 8) *
                                                 (1.0 / 16777216.0));
        }
      });
    });
  });
}

Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, TensorOptions options, Generator* gen) {
  GF_CHECK(high > low, "randint: empty range [", low, ", ", high, ")");
  Generator& g = gen ? *gen : default_generator();
  const bool wants_grad = options.requires_grad;
  options.requires_grad = false;
  std::vector<std::int64_t> v(static_cast<std::size_t>(shape.numel()));
  for (auto& x : v) x = low + static_cast<std::int64_t>(g.below(static_cast<std::uint64_t>(high - low)));
  Tensor t = from_vector<std::int64_t>(v, shape, options);
  if (wants_grad) t.requires_grad_();
  return t;
}

}  // namespace gf
