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

}  // namespace gf
