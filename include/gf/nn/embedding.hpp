#pragma once
// Embedding: a learned vector per class id.
#include <cstdint>

#include "gf/core/rng.hpp"
#include "gf/nn/module.hpp"

namespace gf::nn {

/// labels (N,) int64 in [0, num_embeddings) -> (N, embedding_dim): row
/// labels[i] of the table, by the gather op gf::embedding (labels are moved
/// to the table's device first; the gradient reaches exactly the rows that
/// were used). Init N(0, 1) like PyTorch.
class Embedding : public Module {
 public:
  /// Embedding({.num_embeddings = 10, .embedding_dim = 100, .gen = &gen}); `gen`
  /// draws the initial table (null: the default generator).
  struct Options {
    std::int64_t num_embeddings = 0, embedding_dim = 0;
    Rng* gen = nullptr;
  };
  explicit Embedding(const Options& options);

  Tensor forward(const Tensor& labels) override;
  std::string type_name() const override { return "Embedding"; }
  std::string extra_repr() const override;

  const std::int64_t num_embeddings, embedding_dim;
  Tensor weight;  // (num_embeddings, embedding_dim)
};

/// (N,) int64 -> (N, num_classes) float32 rows of 0 with a 1 at labels[i];
/// names the bad label when one is out of range.
Tensor one_hot(const Tensor& labels, std::int64_t num_classes, DType dtype = DType::kFloat32);

}  // namespace gf::nn
