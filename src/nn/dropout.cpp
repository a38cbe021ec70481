#include "gf/nn/dropout.hpp"

#include "gf/ops/dropout.hpp"

namespace gf::nn {
namespace {

// A seed for a layer created without one: the next 64 bits of the default generator.
std::uint64_t seed_from_default() {
  Rng& g = default_rng();
  const std::uint64_t hi = g.next_u32();
  return (hi << 32) | g.next_u32();
}

}  // namespace

Dropout::Dropout(double p, std::optional<std::uint64_t> seed) : p(p), gen_(seed ? *seed : seed_from_default()) {
  GF_CHECK(p >= 0.0 && p < 1.0, "Dropout: p must be in [0, 1), got ", p);
}

Tensor Dropout::forward(const Tensor& x) { return dropout(x, p, is_training(), &gen_); }

std::string Dropout::extra_repr() const { return detail::concat("p=", p); }

}  // namespace gf::nn
