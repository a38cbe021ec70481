#include "gf/autograd/gradcheck.hpp"

#include <cmath>
#include <sstream>

#include "gf/autograd/engine.hpp"
#include "gf/autograd/grad_mode.hpp"
#include "gf/core/factory.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/reduce.hpp"
#include "gf/ops/shape.hpp"

namespace gf {
namespace {

// Offset (in elements) of the i-th element, row-major, of a strided view.
std::int64_t element_offset(const Tensor& t, std::int64_t i) {
  std::int64_t off = t.offset();
  for (std::int64_t d = t.dim() - 1; d >= 0; --d) {
    off += (i % t.size(d)) * t.stride(d);
    i /= t.size(d);
  }
  return off;
}

}  // namespace

GradcheckResult gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs, GradcheckOptions options) {
  // Work on private copies so the caller's tensors and grads stay untouched.
  std::vector<Tensor> xs;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& in = inputs[k];
    if (!in.defined()) {
      xs.push_back(in);
      continue;
    }
    GF_CHECK(!in.requires_grad() || in.dtype() == DType::kFloat64, "gradcheck: input ", k,
             " requires grad but is ", in.dtype(), "; finite differences need float64");
    Tensor c = in.detach().clone();
    if (in.requires_grad()) c.requires_grad_();
    xs.push_back(c);
  }

  // Analytic: gradient of <v, f(x)> for a fixed random direction v.
  Tensor y = fn(xs);
  GF_CHECK(y.dtype() == DType::kFloat64, "gradcheck: function returned ", y.dtype(), ", expected float64");
  Rng gen(options.seed);
  const Tensor v = randn(y.shape(), {DType::kFloat64, y.device()}, &gen);
  sum(mul(y, v)).backward();

  auto projected = [&]() {
    NoGradGuard no_grad;
    return sum(mul(fn(xs), v)).item<double>();
  };

  GradcheckResult result;
  std::ostringstream report;
  for (std::size_t k = 0; k < xs.size(); ++k) {
    Tensor& x = xs[k];
    if (!x.defined() || !x.requires_grad()) continue;
    const Tensor analytic = x.grad();
    const std::vector<double> a = analytic.defined() ? analytic.to_vector<double>()
                                                     : std::vector<double>(static_cast<std::size_t>(x.numel()), 0.0);
    double* base = static_cast<double*>(x.storage()->data());
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      double& xi = base[element_offset(x, i)];
      const double saved = xi;
      xi = saved + options.eps;
      const double plus = projected();
      xi = saved - options.eps;
      const double minus = projected();
      xi = saved;
      const double numeric = (plus - minus) / (2.0 * options.eps);
      const double analytic_i = a[static_cast<std::size_t>(i)];
      const double err = std::abs(numeric - analytic_i);
      result.max_abs_error = std::max(result.max_abs_error, err);
      if (err > options.atol + options.rtol * std::abs(numeric) && result.ok) {
        result.ok = false;
        report << "gradcheck: input " << k << " (shape " << x.shape() << ") element " << i << ": analytic "
               << analytic_i << ", numeric " << numeric << ", |diff| " << err << "\n";
      }
    }
  }
  report << "gradcheck: max |analytic - numeric| = " << result.max_abs_error;
  result.report = report.str();
  return result;
}

GradcheckResult gradgradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs, GradcheckOptions options) {
  // The output direction v is one more input, so the check also covers how
  // the gradient depends on the output gradient (the chain through layers).
  Shape out_shape;
  {
    NoGradGuard no_grad;
    out_shape = fn(inputs).shape();
  }
  Rng gen(options.seed + 1);
  const Tensor v = randn(out_shape, {DType::kFloat64, inputs.empty() ? Device::cpu() : inputs[0].device()}, &gen)
                       .requires_grad_();
  std::vector<Tensor> inputs_and_v = inputs;
  inputs_and_v.push_back(v);

  // x, v -> the first-order gradients d<v, f(x)>/dx, flattened and joined.
  auto first_order_gradient = [&fn](const std::vector<Tensor>& in) {
    GradModeGuard grad_on(true);  // gradcheck's numeric side runs this under NoGradGuard
    const std::vector<Tensor> xs(in.begin(), in.end() - 1);
    std::vector<Tensor> wrt;
    for (const Tensor& x : xs)
      if (x.defined() && x.requires_grad()) wrt.push_back(x);
    std::vector<Tensor> flat;
    for (const Tensor& g : autograd::grad({fn(xs)}, wrt, {in.back()}, /*create_graph=*/true))
      flat.push_back(g.reshape({-1}));
    return cat(flat, 0);
  };
  GradcheckResult result = gradcheck(first_order_gradient, inputs_and_v, options);
  result.report = "gradgradcheck (input " + std::to_string(inputs.size()) + " is the output direction v): " +
                  result.report;
  return result;
}

}  // namespace gf
