#include "gf/metrics/accuracy.hpp"

#include <vector>

#include "gf/core/error.hpp"
#include "gf/ops/reduce.hpp"

namespace gf::metrics {

std::int64_t correct_predictions(const Tensor& logits, const Tensor& labels) {
  GF_CHECK(logits.dim() == 2, "accuracy: expected logits (N, K), got ", logits.shape());
  const std::vector<std::int64_t> predicted = argmax(logits, 1).to_vector<std::int64_t>();
  const std::vector<std::int64_t> truth = labels.to_vector<std::int64_t>();
  GF_CHECK(predicted.size() == truth.size() && !truth.empty(), "accuracy: ", predicted.size(), " predictions for ",
           truth.size(), " labels");
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) correct += predicted[i] == truth[i];
  return correct;
}

double accuracy(const Tensor& logits, const Tensor& labels) {
  return static_cast<double>(correct_predictions(logits, labels)) / static_cast<double>(labels.numel());
}

}  // namespace gf::metrics
