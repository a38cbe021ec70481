#include "gf/metrics/fid.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "gf/autograd/grad_mode.hpp"
#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/linalg.hpp"

namespace gf::metrics {

FeatureStats feature_stats(const Tensor& features) {
  GF_CHECK(features.dim() == 2, "feature_stats: expected features (N, D), got shape ", features.shape());
  GF_CHECK(features.size(0) >= 2, "feature_stats: need at least 2 feature vectors for a covariance, got ",
           features.size(0));
  NoGradGuard no_grad;
  const Tensor x = features.to(Device::cpu()).to(DType::kFloat64).contiguous();
  const std::int64_t n = x.size(0), d = x.size(1);
  std::vector<double> mu(static_cast<std::size_t>(d), 0.0);
  const double* p = x.data<double>();
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < d; ++j) mu[static_cast<std::size_t>(j)] += p[i * d + j] / static_cast<double>(n);
  Tensor centered = empty({n, d}, {DType::kFloat64});
  double* c = centered.data<double>();
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < d; ++j) c[i * d + j] = p[i * d + j] - mu[static_cast<std::size_t>(j)];
  // cov = X_c^T X_c / (n - 1), through the blocked GEMM.
  Tensor cov = matmul(centered.t(), centered).contiguous();
  double* pc = cov.data<double>();
  for (std::int64_t i = 0; i < d * d; ++i) pc[i] /= static_cast<double>(n - 1);
  return {from_vector<double>(mu, {d}), cov, n};
}

SymmetricEigen symmetric_eigen(const Tensor& matrix) {
  GF_CHECK(matrix.dim() == 2 && matrix.size(0) == matrix.size(1), "symmetric_eigen: expected a square matrix, got ",
           matrix.shape());
  const std::int64_t n = matrix.size(0);
  std::vector<double> a = matrix.to_vector<double>();
  std::vector<double> v(static_cast<std::size_t>(n * n), 0.0);
  for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i * n + i)] = 1.0;
  auto A = [&](std::int64_t i, std::int64_t j) -> double& { return a[static_cast<std::size_t>(i * n + j)]; };
  auto V = [&](std::int64_t i, std::int64_t j) -> double& { return v[static_cast<std::size_t>(i * n + j)]; };

  // Cyclic Jacobi: each rotation zeroes one off-diagonal pair; sweeps until
  // the off-diagonal mass is negligible next to the diagonal.
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0.0, diag = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
      diag += A(i, i) * A(i, i);
      for (std::int64_t j = i + 1; j < n; ++j) off += A(i, j) * A(i, j);
    }
    if (off <= 1e-30 * std::max(diag, 1e-300)) break;
    for (std::int64_t p = 0; p < n; ++p) {
      for (std::int64_t q = p + 1; q < n; ++q) {
        const double apq = A(p, q);
        if (std::abs(apq) < 1e-300) continue;
        const double theta = (A(q, q) - A(p, p)) / (2.0 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (std::int64_t k = 0; k < n; ++k) {  // A <- A J (columns p, q)
          const double akp = A(k, p), akq = A(k, q);
          A(k, p) = c * akp - s * akq;
          A(k, q) = s * akp + c * akq;
        }
        for (std::int64_t k = 0; k < n; ++k) {  // A <- J^T A (rows p, q)
          const double apk = A(p, k), aqk = A(q, k);
          A(p, k) = c * apk - s * aqk;
          A(q, k) = s * apk + c * aqk;
        }
        for (std::int64_t k = 0; k < n; ++k) {  // V <- V J
          const double vkp = V(k, p), vkq = V(k, q);
          V(k, p) = c * vkp - s * vkq;
          V(k, q) = s * vkp + c * vkq;
        }
      }
    }
  }
  // Sort ascending, permuting eigenvector columns along.
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto i, auto j) { return A(i, i) < A(j, j); });
  std::vector<double> values(static_cast<std::size_t>(n)), vectors(static_cast<std::size_t>(n * n));
  for (std::int64_t c = 0; c < n; ++c) {
    values[static_cast<std::size_t>(c)] = A(order[static_cast<std::size_t>(c)], order[static_cast<std::size_t>(c)]);
    for (std::int64_t r = 0; r < n; ++r)
      vectors[static_cast<std::size_t>(r * n + c)] = V(r, order[static_cast<std::size_t>(c)]);
  }
  return {from_vector<double>(values, {n}), from_vector<double>(vectors, {n, n})};
}

namespace {
// Square root of a symmetric positive semi-definite matrix: V diag(sqrt(l)) V^T.
Tensor psd_sqrt(const Tensor& m) {
  const SymmetricEigen e = symmetric_eigen(m);
  std::vector<double> l = e.values.to_vector<double>();
  for (double& x : l) x = std::sqrt(std::max(x, 0.0));  // round-off can give tiny negatives
  const std::int64_t n = m.size(0);
  Tensor scaled = e.vectors.clone();
  double* s = scaled.data<double>();
  for (std::int64_t r = 0; r < n; ++r)
    for (std::int64_t c = 0; c < n; ++c) s[r * n + c] *= l[static_cast<std::size_t>(c)];
  return matmul(scaled, e.vectors.t());
}
}  // namespace

double frechet_distance(const FeatureStats& a, const FeatureStats& b) {
  GF_CHECK(a.mean.shape() == b.mean.shape(), "frechet_distance: feature sizes differ: ", a.mean.shape(), " vs ",
           b.mean.shape());
  NoGradGuard no_grad;
  const std::vector<double> m1 = a.mean.to_vector<double>(), m2 = b.mean.to_vector<double>();
  double mean_term = 0.0;
  for (std::size_t i = 0; i < m1.size(); ++i) mean_term += (m1[i] - m2[i]) * (m1[i] - m2[i]);
  // Tr((S1 S2)^(1/2)) = Tr((S1^(1/2) S2 S1^(1/2))^(1/2)): the inner matrix is
  // symmetric PSD, so its square root's trace is the sum of sqrt(eigenvalues).
  const Tensor r1 = psd_sqrt(a.cov);
  const Tensor inner = matmul(matmul(r1, b.cov), r1);
  const Tensor sym = (inner + inner.t()).contiguous();  // remove round-off asymmetry
  double trace_sqrt = 0.0;
  for (double l : symmetric_eigen(sym).values.to_vector<double>()) trace_sqrt += std::sqrt(std::max(l / 2.0, 0.0));
  double trace1 = 0.0, trace2 = 0.0;
  const std::int64_t d = a.cov.size(0);
  const std::vector<double> c1 = a.cov.to_vector<double>(), c2 = b.cov.to_vector<double>();
  for (std::int64_t i = 0; i < d; ++i) {
    trace1 += c1[static_cast<std::size_t>(i * d + i)];
    trace2 += c2[static_cast<std::size_t>(i * d + i)];
  }
  return mean_term + trace1 + trace2 - 2.0 * trace_sqrt;
}

}  // namespace gf::metrics
