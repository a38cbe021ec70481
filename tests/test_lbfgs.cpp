// L-BFGS: PyTorch's iterates on a quadratic, convergence on a quadratic and
// on Rosenbrock's valley, and its argument checks.
#include "helpers.hpp"
#include "io_helpers.hpp"

#include "gf/optim/lbfgs.hpp"

using namespace gf;
using namespace gf::optim;

namespace {

// f(x) = 1/2 x^T A x - b^T x, minimum at A^-1 b = (0.54471, -1.26825, 0.88047).
const std::vector<double> kA{3.0, 0.5, 0.0, 0.5, 2.0, 0.3, 0.0, 0.3, 1.0};
const std::vector<double> kB{1.0, -2.0, 0.5};

Tensor quadratic(const Tensor& x) {
  const Tensor A = from_vector<double>(kA, {3, 3}), b = from_vector<double>(kB, {3, 1});
  const Tensor col = x.reshape({3, 1});
  return sub(mul(sum(mul(col, matmul(A, col))), 0.5), sum(mul(b, col)));
}

// f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, minimum 0 at (1, 1).
Tensor rosenbrock(const Tensor& p) {
  const Tensor x = p.narrow(0, 0, 1), y = p.narrow(0, 1, 1);
  return sum(add(square(rsub(1.0, x)), mul(square(sub(y, square(x))), 100.0)));
}

template <typename F>
LBFGS::Closure closure_for(LBFGS& opt, const Tensor& x, F f) {
  return [&opt, x, f] {
    opt.zero_grad();
    Tensor loss = f(x);
    loss.backward();
    return loss;
  };
}

}  // namespace

TEST_SUITE("lbfgs") {
  TEST_CASE("same iterates as torch.optim.LBFGS on a quadratic (no line search)") {
    // Reference: torch.optim.LBFGS([x], lr=1, max_iter=2, history_size=10) from x = 0, two step() calls.
    const Tensor x = zeros({3}, {DType::kFloat64}).requires_grad_();
    LBFGS opt({x}, {.max_iter = 2, .history_size = 10});
    const auto closure = closure_for(opt, x, quadratic);
    opt.step(closure);
    GF_CHECK_CLOSE(x.detach(), from_vector<double>({0.2857142857142857, -0.5714285714285714, 0.14285714285714285}, {3}),
                   1e-10, 1e-12);
    opt.step(closure);
    GF_CHECK_CLOSE(x.detach(), from_vector<double>({0.5245572242951022, -1.273142021214527, 0.6414021965887129}, {3}),
                   1e-10, 1e-12);
    // max_eval defaults to max_iter * 5 / 4 = 2 closure calls, which end each
    // step after one iteration: PyTorch's own (surprising) behaviour, kept.
    CHECK(opt.iterations() == 2);
    CHECK(opt.function_evals() == 4);
  }

  TEST_CASE("converges on a quadratic, with and without line search") {
    for (const LineSearch ls : {LineSearch::kNone, LineSearch::kBacktracking}) {
      const Tensor x = zeros({3}, {DType::kFloat64}).requires_grad_();
      LBFGS opt({x}, {.max_iter = 50, .line_search = ls});
      opt.step(closure_for(opt, x, quadratic));
      GF_CHECK_CLOSE(x.detach(), from_vector<double>({0.5447080291970803, -1.2682481751824817, 0.8804744525547445}, {3}),
                     1e-4, 1e-4);
    }
  }

  TEST_CASE("finds the bottom of Rosenbrock's valley with backtracking") {
    const Tensor p = from_vector<double>({-1.5, 2.0}, {2}).requires_grad_();
    LBFGS opt({p}, {.max_iter = 200, .line_search = LineSearch::kBacktracking});
    const double start = opt.step(closure_for(opt, p, rosenbrock)).item();
    CHECK(start == doctest::Approx(6.25 + 100 * 0.0625));
    GF_CHECK_CLOSE(p.detach(), from_vector<double>({1.0, 1.0}, {2}), 1e-4, 1e-4);
    CHECK(rosenbrock(p.detach()).item() < 1e-8);
    CHECK(opt.function_evals() < 400);
  }

  TEST_CASE("float32 parameters of several shapes; a stationary start does nothing") {
    Rng gen(1);
    const Tensor a = randn({2, 3}, {}, &gen).requires_grad_(), b = randn({4}, {}, &gen).requires_grad_();
    LBFGS opt({a, b}, {.max_iter = 30, .tolerance_grad = 1e-4, .line_search = LineSearch::kBacktracking});
    auto f = [&] {
      opt.zero_grad();
      Tensor loss = add(sum(square(sub(a, 1.0))), sum(square(add(b, 2.0))));
      loss.backward();
      return loss;
    };
    opt.step(f);
    GF_CHECK_CLOSE(a.detach(), full({2, 3}, 1.0), 1e-4, 1e-4);
    GF_CHECK_CLOSE(b.detach(), full({4}, -2.0), 1e-4, 1e-4);
    const std::int64_t evals = opt.function_evals();
    opt.step(f);  // gradient ~ 0: one evaluation, no move
    CHECK(opt.function_evals() == evals + 1);
  }

  TEST_CASE("argument errors") {
    GF_CHECK_CONTAINS(test::error_of([] { LBFGS({}, {}); }), "no parameters");
    GF_CHECK_CONTAINS(test::error_of([] { LBFGS({zeros({2})}, {}); }), "requires grad");
    const Tensor x = zeros({2}).requires_grad_();
    GF_CHECK_CONTAINS(test::error_of([&] { LBFGS({x}, {.history_size = 0}); }), "history_size");
    LBFGS opt({x}, {});
    GF_CHECK_CONTAINS(test::error_of([&] { opt.step([&] { return zeros({2}); }); }), "one-element loss");
  }
}
