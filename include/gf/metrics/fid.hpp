#pragma once
// Frechet Inception Distance, with any feature network.
//
// Two sets of feature vectors are summarised by Gaussians N(mu1, S1) and
// N(mu2, S2); their Frechet (2-Wasserstein) distance is
//   FID = |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)).
// ganforge computes it on the penultimate features of the Fashion-MNIST
// classifier (examples/fmnist_classifier.cpp) instead of Inception-v3, so
// values are comparable between ganforge runs, not with published FIDs.
#include <cstdint>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf::metrics {

/// Mean (D,) and covariance (D, D) of features (N, D), in float64.
struct FeatureStats {
  Tensor mean;  // (D,)
  Tensor cov;   // (D, D), unbiased (divides by N - 1)
  std::int64_t count = 0;
};

FeatureStats feature_stats(const Tensor& features);

/// Frechet distance between two Gaussians; the matrix square root is taken
/// through the symmetric eigen-decomposition of S1^(1/2) S2 S1^(1/2).
double frechet_distance(const FeatureStats& a, const FeatureStats& b);

/// Eigenvalues and eigenvectors of a symmetric matrix (n, n) in float64 by
/// cyclic Jacobi rotations: values ascending (n,), vectors as columns (n, n).
struct SymmetricEigen {
  Tensor values;
  Tensor vectors;
};
SymmetricEigen symmetric_eigen(const Tensor& matrix);

}  // namespace gf::metrics
