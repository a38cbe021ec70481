// The op table's rows for losses (every reduction), log_softmax, dropout and
// the optimizers' in-place updates.
#include <cmath>

#include "op_table.hpp"
#include "op_table_naive.hpp"

namespace gf::test {
namespace {

/// Applies `reduction` to naive per-element losses.
Tensor naive_reduce_loss(const Tensor& losses, Reduction reduction) {
  if (reduction == Reduction::kNone) return losses;
  const std::vector<double> v = naive::values(losses);
  double s = 0;
  for (double e : v) s += e;
  return naive::tensor({reduction == Reduction::kSum ? s : s / static_cast<double>(v.size())}, {});
}

double bce_with_logits_of(double x, double t) { return std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::abs(x))); }
double bce_of(double p, double t) { return -(t * std::log(p) + (1 - t) * std::log(1 - p)); }

/// log_softmax along `dim` as log(exp(x_i) / sum_j exp(x_j)), shifted by the
/// line's max so nothing overflows.
Tensor naive_log_softmax(const Tensor& x, std::int64_t dim) {
  const Tensor m =
      naive::reduce(x, {dim}, true, [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); });
  const Tensor shifted = naive::zip(x, m, [](double a, double b) { return a - b; });
  const Tensor log_sum = naive::reduce(shifted, {dim}, true, [](const std::vector<double>& v) {
    double s = 0;
    for (double e : v) s += std::exp(e);
    return std::log(s);
  });
  return naive::zip(shifted, log_sum, [](double a, double b) { return a - b; });
}

/// Mean (or sum, or each) of -log_softmax(logits)[n, labels[n]].
Tensor naive_cross_entropy(const Tensor& logits, const Tensor& labels, Reduction reduction) {
  const std::vector<double> lp = naive::values(naive_log_softmax(logits, 1)), l = naive::values(labels);
  const std::int64_t C = logits.size(1);
  std::vector<double> losses;
  for (std::size_t n = 0; n < l.size(); ++n)
    losses.push_back(-lp[n * static_cast<std::size_t>(C) + static_cast<std::size_t>(l[n])]);
  return naive_reduce_loss(naive::tensor(losses, labels.shape()), reduction);
}

/// Adam's step by the textbook formulas (Kingma and Ba, with L2 weight decay
/// added to the gradient): the new (param, exp_avg, exp_avg_sq), stacked.
Tensor naive_adam(const Inputs& in, const AdamStep& s) {
  std::vector<double> p = naive::values(in[0]), m = naive::values(in[2]), v = naive::values(in[3]);
  const std::vector<double> grad = naive::values(in[1]);
  const double t = static_cast<double>(s.t);
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double g = grad[i] + s.weight_decay * p[i];
    m[i] = s.beta1 * m[i] + (1 - s.beta1) * g;
    v[i] = s.beta2 * v[i] + (1 - s.beta2) * g * g;
    const double m_hat = m[i] / (1 - std::pow(s.beta1, t)), v_hat = v[i] / (1 - std::pow(s.beta2, t));
    p[i] -= s.lr * m_hat / (std::sqrt(v_hat) + s.eps);
  }
  p.insert(p.end(), m.begin(), m.end());
  p.insert(p.end(), v.begin(), v.end());
  Shape shape = in[0].shape();
  shape.insert(shape.begin(), 3);
  return naive::tensor(p, shape);
}

/// SGD's step with momentum, dampening and Nesterov (PyTorch's formulas): the
/// new param, stacked with the new momentum buffer when there is one.
Tensor naive_sgd(const Inputs& in, const SgdStep& s) {
  std::vector<double> p = naive::values(in[0]);
  const std::vector<double> grad = naive::values(in[1]);
  const bool has_buffer = in.size() > 2;
  std::vector<double> buf = has_buffer ? naive::values(in[2]) : std::vector<double>{};
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double g = grad[i] + s.weight_decay * p[i];
    if (!has_buffer) {
      p[i] -= s.lr * g;
      continue;
    }
    buf[i] = s.first ? g : s.momentum * buf[i] + (1 - s.dampening) * g;
    p[i] -= s.lr * (s.nesterov ? g + s.momentum * buf[i] : buf[i]);
  }
  Shape shape = in[0].shape();
  if (!has_buffer) return naive::tensor(p, shape);
  p.insert(p.end(), buf.begin(), buf.end());
  shape.insert(shape.begin(), 2);
  return naive::tensor(p, shape);
}

}  // namespace

std::vector<OpRow> loss_dropout_optim_rows() {
  Draw d(14);
  const std::vector<std::pair<const char*, Reduction>> reductions = {
      {"mean", Reduction::kMean}, {"sum", Reduction::kSum}, {"none", Reduction::kNone}};
  OpRow logits_bce{"bce_with_logits", {}}, prob_bce{"bce", {}}, mse{"mse_loss", {}}, l1{"l1_loss", {}};
  OpRow ce{"cross_entropy", {}}, lsm{"log_softmax", {}};
  for (const Shape& s : std::vector<Shape>{{7}, {16}, {5, 3, 4}}) {
    for (const auto& [name, r] : reductions) {
      const Reduction how = r;
      const std::string what = s.str() + " " + name;
      const auto loss = [how](double (*f)(double, double)) {
        return [how, f](const Inputs& in) { return naive_reduce_loss(naive::zip(in[0], in[1], f), how); };
      };
      logits_bce.cases.push_back({what,
                                  {mul(d.normal(s), 3.0), d.uniform(s, 0.0, 1.0)},
                                  [how](const Inputs& in) { return bce_with_logits(in[0], in[1], how); },
                                  loss(bce_with_logits_of)});
      prob_bce.cases.push_back({what,
                                {d.uniform(s, 0.05, 0.95), d.uniform(s, 0.0, 1.0)},
                                [how](const Inputs& in) { return bce(in[0], in[1], how); },
                                loss(bce_of)});
      mse.cases.push_back({what,
                           {d.normal(s), d.normal(s)},
                           [how](const Inputs& in) { return mse_loss(in[0], in[1], how); },
                           loss([](double x, double y) { return (x - y) * (x - y); })});
      l1.cases.push_back({what,
                          {d.normal(s), d.normal(s)},
                          [how](const Inputs& in) { return l1_loss(in[0], in[1], how); },
                          loss([](double x, double y) { return std::abs(x - y); })});
    }
  }
  for (const auto& [n, c] : std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 2}, {9, 10}, {64, 7}}) {
    const Tensor logits = mul(d.normal({n, c}), 2.0), labels = d.labels({n}, c);
    const std::string size = "(" + std::to_string(n) + ", " + std::to_string(c) + ")";
    for (const auto& [name, r] : reductions) {
      const Reduction how = r;
      ce.cases.push_back({size + " " + name,
                          {logits, labels},
                          [how](const Inputs& in) { return cross_entropy(in[0], in[1], how); },
                          [how](const Inputs& in) { return naive_cross_entropy(in[0], in[1], how); }});
    }
    for (std::int64_t dim : {0, 1})
      lsm.cases.push_back({size + " dim " + std::to_string(dim),
                           {logits},
                           [dim](const Inputs& in) { return log_softmax(in[0], dim); },
                           [dim](const Inputs& in) { return naive_log_softmax(in[0], dim); }});
  }

  // Dropout draws its mask from the generator's uniform stream: a fresh
  // generator per call drops the same elements on every run and device, and
  // the reference redraws that stream to keep u >= p, scaled by 1 / (1 - p).
  OpRow drop{"dropout", {}};
  for (const Shape& s : std::vector<Shape>{{7}, {3, 5}, {2, 3, 17}, {4, 1, 9, 11}, {129, 1031}}) {
    drop.cases.push_back({"p 0.3 " + s.str(),
                          {d.normal(s)},
                          [](const Inputs& in) {
                            Rng g(42);
                            return dropout(in[0], 0.3, true, &g);
                          },
                          [](const Inputs& in) {
                            Rng g(42);
                            const Tensor u = rand(in[0].shape(), {in[0].dtype()}, &g);
                            return naive::zip(in[0], u, [](double x, double v) { return v >= 0.3 ? x / 0.7 : 0.0; });
                          }});
  }
  drop.cases.push_back({"eval mode is the identity",
                        {d.normal({3, 5})},
                        [](const Inputs& in) { return dropout(in[0], 0.5, false); },
                        [](const Inputs& in) { return naive::map(in[0], [](double x) { return x; }); }});

  // The in-place updates return what they wrote, stacked; nothing to differentiate.
  const Checks no_grad{.grad = false};
  OpRow adam{"adam_update_", {}}, sgd{"sgd_update_", {}};
  for (const AdamStep& step : {AdamStep{1e-3, 0.9, 0.999, 1e-8, 0.0, 1}, AdamStep{2e-4, 0.5, 0.999, 1e-8, 0.0, 7},
                               AdamStep{1e-2, 0.8, 0.99, 1e-6, 0.05, 3}}) {
    for (const Shape& s : std::vector<Shape>{{5}, {64, 3, 4, 4}, {70001}}) {
      adam.cases.push_back({"t " + std::to_string(step.t) + " " + s.str(),
                            {d.normal(s), d.normal(s), mul(d.normal(s), 0.1), d.uniform(s, 0.0, 0.5)},
                            [step](const Inputs& in) {
                              const AdamTensors t{in[0].clone(), in[1], in[2].clone(), in[3].clone()};
                              adam_update_({t}, step);
                              return stack({t.param, t.exp_avg, t.exp_avg_sq});
                            },
                            [step](const Inputs& in) { return naive_adam(in, step); },
                            no_grad});
    }
  }
  for (const SgdStep& step : {SgdStep{0.1, 0.0, 0.0, 0.0, false, false}, SgdStep{0.05, 0.9, 0.0, 1e-4, false, true},
                              SgdStep{0.05, 0.9, 0.1, 0.0, false, false}, SgdStep{0.01, 0.8, 0.0, 0.01, true, false}}) {
    const bool momentum = step.momentum != 0.0;
    for (const Shape& s : std::vector<Shape>{{5}, {64, 3, 4, 4}, {70001}}) {
      Inputs inputs = {d.normal(s), d.normal(s)};
      if (momentum) inputs.push_back(d.normal(s));
      const std::string how = std::string(momentum ? "momentum" : "plain") + (step.nesterov ? ", nesterov" : "") +
                              (step.first ? ", first step" : "") + (step.dampening != 0.0 ? ", dampening" : "");
      sgd.cases.push_back({how + " " + s.str(), inputs,
                           [step, momentum](const Inputs& in) {
                             const SgdTensors t{in[0].clone(), in[1], momentum ? in[2].clone() : Tensor()};
                             sgd_update_({t}, step);
                             return momentum ? stack({t.param, t.momentum_buffer}) : t.param;
                           },
                           [step](const Inputs& in) { return naive_sgd(in, step); }, no_grad});
    }
  }
  return {logits_bce, prob_bce, mse, l1, ce, lsm, drop, adam, sgd};
}

}  // namespace gf::test
