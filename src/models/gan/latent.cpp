#include "gf/models/gan/latent.hpp"

#include <algorithm>
#include <cmath>

#include "gf/ops/elementwise.hpp"
#include "gf/ops/reduce.hpp"
#include "gf/ops/shape.hpp"

namespace gf::models {

Tensor slerp(const Tensor& a, const Tensor& b, double t) {
  GF_CHECK(a.shape() == b.shape() && a.dim() == 1, "slerp: expected two vectors of the same size, got ", a.shape(),
           " and ", b.shape());
  const double na = std::sqrt(sum(square(a)).item()), nb = std::sqrt(sum(square(b)).item());
  const double cos_w = std::clamp(sum(mul(a, b)).item() / (na * nb), -1.0, 1.0);
  const double w = std::acos(cos_w);
  if (std::sin(w) < 1e-6) return add(mul(a, 1.0 - t), mul(b, t));
  return add(mul(a, std::sin((1.0 - t) * w) / std::sin(w)), mul(b, std::sin(t * w) / std::sin(w)));
}

Tensor slerp_path(const Tensor& a, const Tensor& b, std::int64_t steps) {
  GF_CHECK(steps >= 2, "slerp_path: need at least 2 steps, got ", steps);
  std::vector<Tensor> points;
  for (std::int64_t i = 0; i < steps; ++i)
    points.push_back(slerp(a, b, static_cast<double>(i) / static_cast<double>(steps - 1)));
  return stack(points, 0);
}

}  // namespace gf::models
