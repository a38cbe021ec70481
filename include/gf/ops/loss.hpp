#pragma once
// Loss functions. Each returns a 0-D tensor (mean, sum) or the elementwise
// loss (none).
#include "gf/core/tensor.hpp"

namespace gf {

enum class Reduction { kMean, kSum, kNone };

/// Binary cross-entropy on logits z with targets y in [0, 1]:
///   l = max(z, 0) - z y + log(1 + exp(-|z|))
/// which equals -[y log s(z) + (1 - y) log(1 - s(z))] without overflow for any |z|.
Tensor bce_with_logits(const Tensor& logits, const Tensor& target, Reduction reduction = Reduction::kMean);

/// Binary cross-entropy on probabilities p; logs are clamped at -100 (like
/// PyTorch) so p = 0 or 1 gives a finite loss.
Tensor bce(const Tensor& probs, const Tensor& target, Reduction reduction = Reduction::kMean);

/// Mean squared error (x - y)^2.
Tensor mse_loss(const Tensor& x, const Tensor& y, Reduction reduction = Reduction::kMean);
/// Mean absolute error |x - y|.
Tensor l1_loss(const Tensor& x, const Tensor& y, Reduction reduction = Reduction::kMean);

/// Cross-entropy of logits (N, K) against int64 class labels (N,).
Tensor cross_entropy(const Tensor& logits, const Tensor& labels, Reduction reduction = Reduction::kMean);
/// log softmax along `dim`, numerically stable (subtracts the max).
Tensor log_softmax(const Tensor& x, std::int64_t dim);

}  // namespace gf
