#pragma once
// Finite-difference gradient checking, in float64.
//
// For a function f of several tensors, picks a fixed random direction v in
// output space and compares, for every element x_i of every input that
// requires grad, the analytic d<v, f(x)>/dx_i from backward() with the central
// difference (<v, f(x + eps e_i)> - <v, f(x - eps e_i)>) / (2 eps).
//
//   auto r = gf::gradcheck([](auto& in) { return gf::tanh(in[0]); }, {x});
//   CHECK_MESSAGE(r.ok, r.report);
//
// gradgradcheck checks the second derivative the same way (the double
// backward behind WGAN-GP and R1): it runs gradcheck on the first-order
// gradient, x, v -> d<v, f(x)>/dx computed with create_graph, so the analytic
// side is a backward through the recorded backward pass and the numeric side
// finite differences of the gradient itself, in every input and in v.
#include <functional>
#include <string>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
  std::uint64_t seed = 0;  // for the projection direction v
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0.0;
  std::string report;  // names the first mismatching input and element
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

/// `inputs` must be float64; those with requires_grad() are checked.
GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                          GradcheckOptions options = {});

/// The second derivative of `fn` (like torch.autograd.gradgradcheck): the
/// gradient of <w, d<v, f(x)>/dx> in x and in the output direction v, from
/// backward through the create_graph gradient, against finite differences of
/// that gradient. `inputs` as for gradcheck.
GradcheckResult gradgradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs,
                              GradcheckOptions options = {});

}  // namespace gf
