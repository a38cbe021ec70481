#pragma once
// Classification accuracy: how many rows of a batch of logits have their
// largest logit at the label. One count for every classifier ganforge trains
// (fmnist_classifier's ten classes, feature_train's four quarter turns).
#include <cstdint>

#include "gf/core/tensor.hpp"

namespace gf::metrics {

/// logits (N, K), labels (N,) int64 -> the rows whose argmax is the label.
/// Throws when the counts differ or N is 0.
std::int64_t correct_predictions(const Tensor& logits, const Tensor& labels);

/// correct_predictions / N, in [0, 1].
double accuracy(const Tensor& logits, const Tensor& labels);

}  // namespace gf::metrics
