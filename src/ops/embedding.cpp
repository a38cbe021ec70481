// embedding, forward and backward: a gather of rows and its scatter-add.
#include "gf/ops/embedding.hpp"

#include <functional>

#include "dispatch.hpp"
#include "gf/autograd/node.hpp"
#include "gf/core/factory.hpp"
#include "kernels/kernels.hpp"

namespace gf {
namespace {

// embedding's backward: each output row's gradient goes back to the weight
// row it was read from; rows read twice collect both.
std::vector<Tensor> embedding_backward(const Shape& weight_shape, const Tensor& labels, const Tensor& g) {
  Tensor gw = zeros(weight_shape, {g.dtype(), g.device()});
  kernels_on(g.device()).scatter_add_rows(gw, g.contiguous(), labels);
  return std::vector<Tensor>{gw};
}

}  // namespace

Tensor embedding(const Tensor& weight, const Tensor& labels) {
  GF_CHECK(weight.dim() == 2, "embedding: weight must be (K, D), got shape ", weight.shape());
  GF_CHECK(labels.dtype() == DType::kInt64 && labels.dim() == 1, "embedding: labels must be int64 of shape (N,), got ",
           labels.dtype(), " ", labels.shape());
  GF_CHECK(labels.device() == weight.device(), "embedding: labels are on ", labels.device(), ", weight on ",
           weight.device());
  const std::int64_t k = weight.size(0);
  const std::vector<std::int64_t> values = labels.to_vector<std::int64_t>();
  for (std::size_t i = 0; i < values.size(); ++i)
    GF_CHECK(values[i] >= 0 && values[i] < k, "embedding: label ", values[i], " at index ", i, " is outside [0, ", k,
             ")");
  const Tensor index = labels.contiguous();
  Tensor out = Tensor::empty({labels.size(0), weight.size(1)}, {weight.dtype(), weight.device()});
  kernels_on(weight.device()).gather_rows(out, weight.contiguous(), index);
  if (autograd::needs_grad({weight}))
    autograd::record("embedding", out, {weight}, std::bind_front(embedding_backward, weight.shape(), index));
  return out;
}

}  // namespace gf
