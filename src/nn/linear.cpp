#include "gf/nn/linear.hpp"

#include "gf/core/factory.hpp"
#include "gf/nn/init.hpp"
#include "gf/ops/linalg.hpp"

namespace gf::nn {

Linear::Linear(const Options& o) : in_features(o.in), out_features(o.out) {
  GF_CHECK(in_features > 0 && out_features > 0, "Linear: features must be positive, got in_features=", in_features,
           ", out_features=", out_features);
  weight = empty({out_features, in_features});
  if (o.bias) bias = empty({out_features});
  reset_parameters(o.gen ? *o.gen : default_rng());
  register_parameter("weight", weight);
  register_parameter("bias", bias);
}

void Linear::reset_parameters(Rng& gen) { init::default_layer_init_(weight, bias, gen); }

Tensor Linear::forward(const Tensor& x) {
  GF_CHECK(x.dim() >= 1 && x.size(-1) == in_features, "Linear: input ", x.shape(), " must end in in_features = ",
           in_features);
  if (x.dim() == 2) return linear(x, weight, bias);
  // (*, in) -> (rows, in) -> (rows, out) -> (*, out)
  Shape out_shape = x.shape();
  out_shape.back() = out_features;
  return linear(x.reshape({-1, in_features}), weight, bias).reshape(out_shape);
}

std::string Linear::extra_repr() const {
  return detail::concat("in_features=", in_features, ", out_features=", out_features,
                        ", bias=", bias.defined() ? "true" : "false");
}

}  // namespace gf::nn
