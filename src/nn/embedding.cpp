#include "gf/nn/embedding.hpp"

#include "gf/autograd/grad_mode.hpp"
#include "gf/core/factory.hpp"
#include "gf/nn/init.hpp"
#include "gf/ops/embedding.hpp"

namespace gf::nn {

Tensor one_hot(const Tensor& labels, std::int64_t num_classes, DType dtype) {
  GF_CHECK(labels.dtype() == DType::kInt64 && labels.dim() == 1, "one_hot: expected int64 labels (N,), got ",
           labels.dtype(), " ", labels.shape());
  const std::vector<std::int64_t> ids = labels.to_vector<std::int64_t>();
  std::vector<float> rows(ids.size() * static_cast<std::size_t>(num_classes), 0.0f);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    GF_CHECK(ids[i] >= 0 && ids[i] < num_classes, "one_hot: label ", ids[i], " at index ", i, " is outside [0, ",
             num_classes, ")");
    rows[i * static_cast<std::size_t>(num_classes) + static_cast<std::size_t>(ids[i])] = 1.0f;
  }
  return from_vector<float>(rows, {labels.size(0), num_classes}, {dtype, labels.device()});
}

Embedding::Embedding(const Options& o) : num_embeddings(o.num_embeddings), embedding_dim(o.embedding_dim) {
  GF_CHECK(num_embeddings > 0 && embedding_dim > 0, "Embedding: sizes must be positive, got ", num_embeddings, " x ",
           embedding_dim);
  weight = empty({num_embeddings, embedding_dim});
  {
    NoGradGuard no_grad;
    init::normal_(weight, o.gen ? *o.gen : default_rng());
  }
  register_parameter("weight", weight);
}

Tensor Embedding::forward(const Tensor& labels) { return embedding(weight, labels.to(weight.device())); }

std::string Embedding::extra_repr() const {
  return std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim);
}

}  // namespace gf::nn
