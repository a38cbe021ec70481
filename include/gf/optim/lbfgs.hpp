#pragma once
// L-BFGS (Nocedal 1980; Liu & Nocedal 1989) with PyTorch's semantics: step()
// takes a closure that re-evaluates the loss and its gradients, and runs up to
// max_iter iterations of the quasi-Newton method, keeping its history between
// calls.
//
//   gf::optim::LBFGS opt({image}, {.max_iter = 20, .line_search = gf::optim::LineSearch::kBacktracking});
//   for (int i = 0; i < 10; ++i)
//     opt.step([&] {
//       opt.zero_grad();
//       gf::Tensor loss = objective(image);
//       loss.backward();
//       return loss;
//     });
//
// One iteration, with g the gradient of all parameters as one flat vector x:
//   1. direction d = -H g, where H approximates the inverse Hessian from the last
//      history_size pairs s_i = x_{i+1} - x_i, y_i = g_{i+1} - g_i (the
//      "two-loop recursion"), scaled by gamma = s^T y / y^T y of the newest pair;
//      a pair with s^T y <= 1e-10 (no positive curvature) is not stored;
//   2. step length t: lr (the very first iteration: lr * min(1, 1 / |g|_1), as
//      the history has no scale yet);
//   3. x <- x + t d, either directly (kNone, PyTorch's default) or after a
//      backtracking line search (kBacktracking): t is halved until the Armijo
//      condition f(x + t d) <= f(x) + 1e-4 t g^T d holds (at most 25 halvings).
//      We chose backtracking over strong Wolfe: it is a few lines, needs only
//      function values, and L-BFGS's unit step is accepted most of the time.
// It stops when max_iter iterations or max_eval closure calls are done, when
// max |g| <= tolerance_grad, when max |t d| <= tolerance_change, or when the loss
// changes by less than tolerance_change.
//
// The vectors are kept in float64 on the CPU whatever the parameters' dtype and
// device (2 history_size + 4 copies of the parameters), which is simple and
// fine for the image-sized problems of style transfer.
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf::optim {

enum class LineSearch { kNone, kBacktracking };

struct LbfgsOptions {
  double lr = 1.0;
  std::int64_t max_iter = 20;        // iterations per step()
  std::int64_t max_eval = 0;         // closure calls per step(); 0 means max_iter * 5 / 4
  double tolerance_grad = 1e-7;      // stop when max |g| is below this
  double tolerance_change = 1e-9;    // stop when the step or the loss change is below this
  std::int64_t history_size = 100;   // (s, y) pairs kept
  LineSearch line_search = LineSearch::kNone;
};

class LBFGS {
 public:
  /// The closure zeroes the gradients, computes the loss (a one-element
  /// tensor), calls backward() and returns the loss.
  using Closure = std::function<Tensor()>;

  explicit LBFGS(std::vector<Tensor> params, LbfgsOptions options = {});

  /// Up to max_iter iterations; returns the loss of the first closure call
  /// (at the parameters step() started from), as PyTorch does.
  Tensor step(const Closure& closure);
  void zero_grad();

  const LbfgsOptions& options() const { return options_; }
  /// Closure calls made by all step() calls so far.
  std::int64_t function_evals() const { return func_evals_; }
  /// Iterations made by all step() calls so far.
  std::int64_t iterations() const { return n_iter_; }

 private:
  std::vector<double> flat_params() const;
  std::vector<double> flat_grad() const;
  void set_params(const std::vector<double>& x);
  // d = -H g by the two-loop recursion over the stored pairs.
  std::vector<double> direction(const std::vector<double>& g) const;

  std::vector<Tensor> params_;
  LbfgsOptions options_;
  // State kept between step() calls.
  std::deque<std::vector<double>> s_, y_;  // newest last
  std::deque<double> rho_;                 // 1 / (y^T s) per pair
  double gamma_ = 1.0;                     // initial inverse-Hessian scale
  std::vector<double> d_, prev_grad_;      // last direction and gradient
  double t_ = 0.0;                         // last step length
  std::int64_t n_iter_ = 0, func_evals_ = 0;
};

}  // namespace gf::optim
