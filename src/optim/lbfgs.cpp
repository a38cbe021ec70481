#include "gf/optim/lbfgs.hpp"

#include <algorithm>
#include <cmath>

#include "gf/autograd/grad_mode.hpp"
#include "gf/core/factory.hpp"

namespace gf::optim {
namespace {

constexpr double kArmijo = 1e-4;           // sufficient-decrease constant c1
constexpr int kMaxHalvings = 25;           // backtracking gives up after t has shrunk by 2^25
constexpr double kMinCurvature = 1e-10;    // pairs with s^T y below this are not stored

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}
// a += alpha b
void axpy(std::vector<double>& a, double alpha, const std::vector<double>& b) {
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += alpha * b[i];
}
double max_abs(const std::vector<double>& a) {
  double m = 0.0;
  for (const double v : a) m = std::max(m, std::abs(v));
  return m;
}

double evaluate(const LBFGS::Closure& closure) {
  const Tensor loss = closure();
  GF_CHECK(loss.defined() && loss.numel() == 1, "LBFGS: the closure must return a one-element loss");
  return loss.item<double>();
}

}  // namespace

LBFGS::LBFGS(std::vector<Tensor> params, LbfgsOptions options) : params_(std::move(params)), options_(options) {
  GF_CHECK(!params_.empty(), "LBFGS: no parameters to optimise");
  GF_CHECK(options_.lr > 0 && options_.max_iter > 0 && options_.history_size > 0,
           "LBFGS: lr, max_iter and history_size must be positive, got ", options_.lr, ", ", options_.max_iter, ", ",
           options_.history_size);
  if (options_.max_eval <= 0) options_.max_eval = options_.max_iter * 5 / 4;
  for (const Tensor& p : params_)
    GF_CHECK(p.requires_grad() && is_floating(p.dtype()), "LBFGS: parameter ", p.shape(),
             " must be a floating tensor that requires grad");
}

void LBFGS::zero_grad() {
  for (const Tensor& p : params_) p.zero_grad();
}

std::vector<double> LBFGS::flat_params() const {
  std::vector<double> x;
  for (const Tensor& p : params_) {
    const auto v = p.to_vector<double>();
    x.insert(x.end(), v.begin(), v.end());
  }
  return x;
}

std::vector<double> LBFGS::flat_grad() const {
  std::vector<double> g;
  for (const Tensor& p : params_) {
    const Tensor grad = p.grad();
    if (grad.defined()) {
      const auto v = grad.to_vector<double>();
      g.insert(g.end(), v.begin(), v.end());
    } else {
      g.insert(g.end(), static_cast<std::size_t>(p.numel()), 0.0);  // a parameter the loss does not use
    }
  }
  return g;
}

void LBFGS::set_params(const std::vector<double>& x) {
  NoGradGuard no_grad;
  std::size_t offset = 0;
  for (const Tensor& p : params_) {
    const auto n = static_cast<std::size_t>(p.numel());
    std::vector<double> part(x.begin() + static_cast<std::ptrdiff_t>(offset),
                             x.begin() + static_cast<std::ptrdiff_t>(offset + n));
    Tensor dst = p;
    dst.copy_(from_vector<double>(part, p.shape()).to(p.dtype()).to(p.device()));
    offset += n;
  }
}

std::vector<double> LBFGS::direction(const std::vector<double>& g) const {
  // q = -g; newest to oldest: alpha_i = rho_i s_i^T q, q -= alpha_i y_i;
  // r = gamma q; oldest to newest: beta = rho_i y_i^T r, r += (alpha_i - beta) s_i.
  std::vector<double> q(g.size());
  for (std::size_t i = 0; i < g.size(); ++i) q[i] = -g[i];
  std::vector<double> alpha(s_.size());
  for (std::size_t k = s_.size(); k-- > 0;) {
    alpha[k] = rho_[k] * dot(s_[k], q);
    axpy(q, -alpha[k], y_[k]);
  }
  for (double& v : q) v *= gamma_;
  for (std::size_t k = 0; k < s_.size(); ++k) {
    const double beta = rho_[k] * dot(y_[k], q);
    axpy(q, alpha[k] - beta, s_[k]);
  }
  return q;
}

Tensor LBFGS::step(const Closure& closure) {
  const Tensor first = closure();
  GF_CHECK(first.defined() && first.numel() == 1, "LBFGS: the closure must return a one-element loss");
  double loss = first.item<double>();
  std::int64_t evals = 1;
  ++func_evals_;
  std::vector<double> g = flat_grad();
  if (max_abs(g) <= options_.tolerance_grad) return first;  // already at a stationary point

  for (std::int64_t it = 1; it <= options_.max_iter; ++it) {
    ++n_iter_;
    // 1. Direction, after storing the curvature pair of the previous step.
    if (n_iter_ == 1) {
      d_.assign(g.size(), 0.0);
      axpy(d_, -1.0, g);
      gamma_ = 1.0;
    } else {
      std::vector<double> y = g, s = d_;
      axpy(y, -1.0, prev_grad_);
      for (double& v : s) v *= t_;
      const double ys = dot(y, s);
      if (ys > kMinCurvature) {
        if (static_cast<std::int64_t>(s_.size()) == options_.history_size) {
          s_.pop_front(), y_.pop_front(), rho_.pop_front();
        }
        gamma_ = ys / dot(y, y);
        s_.push_back(std::move(s)), y_.push_back(std::move(y)), rho_.push_back(1.0 / ys);
      }
      d_ = direction(g);
    }
    prev_grad_ = g;
    const double prev_loss = loss;

    // 2. Step length.
    double l1 = 0.0;
    for (const double v : g) l1 += std::abs(v);
    t_ = n_iter_ == 1 ? std::min(1.0, 1.0 / l1) * options_.lr : options_.lr;
    const double gtd = dot(g, d_);  // directional derivative; must be negative for descent
    if (gtd > -options_.tolerance_change) break;

    // 3. Move.
    const std::vector<double> x0 = flat_params();
    auto move_to = [&](double t) {
      std::vector<double> x = x0;
      axpy(x, t, d_);
      set_params(x);
    };
    if (options_.line_search == LineSearch::kBacktracking) {
      int halvings = 0;
      for (;;) {
        move_to(t_);
        const double f = evaluate(closure);
        ++evals, ++func_evals_;
        if (f <= loss + kArmijo * t_ * gtd || halvings == kMaxHalvings) {
          loss = f;
          break;
        }
        t_ *= 0.5, ++halvings;
      }
      g = flat_grad();
    } else {
      move_to(t_);
      if (it != options_.max_iter) {  // the last iteration's loss is not needed
        loss = evaluate(closure);
        ++evals, ++func_evals_;
        g = flat_grad();
      }
    }

    // 4. Stopping tests.
    if (it == options_.max_iter || evals >= options_.max_eval) break;
    if (max_abs(g) <= options_.tolerance_grad) break;
    if (max_abs(d_) * t_ <= options_.tolerance_change) break;
    if (std::abs(loss - prev_loss) < options_.tolerance_change) break;
  }
  return first;
}

}  // namespace gf::optim
