// optim: SGD and Adam steps against values worked out by hand, optimizer
// state round trips and load errors, learning-rate schedules, and a small fit.
#include <cmath>

#include "gf/nn/nn.hpp"
#include "gf/optim/optim.hpp"
#include "helpers.hpp"

using namespace gf;

namespace {

Tensor param(std::vector<double> values) {
  const auto n = static_cast<std::int64_t>(values.size());
  return from_vector<double>(values, {n}).requires_grad_();
}

// Sets p's gradient to `g` and takes one step.
void step_with(optim::Optimizer& opt, const Tensor& p, std::vector<double> g) {
  p.set_grad(from_vector<double>(g, p.shape()));
  opt.step();
}

double at(const Tensor& t, std::size_t i) { return t.to_vector<double>()[i]; }

}  // namespace

TEST_SUITE("optim") {
  TEST_CASE("SGD without momentum: p -= lr g") {
    Tensor p = param({1.0, 2.0});
    optim::SGD opt({p}, {.lr = 0.1});
    step_with(opt, p, {0.5, -1.0});
    CHECK(at(p, 0) == doctest::Approx(0.95));
    CHECK(at(p, 1) == doctest::Approx(2.1));
    CHECK(opt.step_count() == 1);
  }

  TEST_CASE("SGD with momentum and dampening, three steps") {
    // g = 1 every step, lr 0.1, momentum 0.9, dampening 0.5.
    // step 1: b = g = 1 (no dampening on the first step)  p = 1 - 0.1       = 0.9
    // step 2: b = 0.9 * 1 + 0.5 * 1 = 1.4                 p = 0.9 - 0.14    = 0.76
    // step 3: b = 0.9 * 1.4 + 0.5 = 1.76                  p = 0.76 - 0.176  = 0.584
    Tensor p = param({1.0});
    optim::SGD opt({p}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.5});
    const double want[] = {0.9, 0.76, 0.584};
    for (double w : want) {
      step_with(opt, p, {1.0});
      CHECK(at(p, 0) == doctest::Approx(w));
    }
    CHECK(at(opt.state(0).buffers.at("momentum_buffer"), 0) == doctest::Approx(1.76));
  }

  TEST_CASE("SGD with Nesterov momentum") {
    // g = 1, lr 0.1, momentum 0.9:
    // step 1: b = 1;                 g' = 1 + 0.9 * 1   = 1.9;   p = 1 - 0.19     = 0.81
    // step 2: b = 0.9 + 1 = 1.9;     g' = 1 + 0.9 * 1.9 = 2.71;  p = 0.81 - 0.271 = 0.539
    Tensor p = param({1.0});
    optim::SGD opt({p}, {.lr = 0.1, .momentum = 0.9, .nesterov = true});
    step_with(opt, p, {1.0});
    CHECK(at(p, 0) == doctest::Approx(0.81));
    step_with(opt, p, {1.0});
    CHECK(at(p, 0) == doctest::Approx(0.539));
    CHECK_THROWS_WITH_AS(optim::SGD({p}, {.lr = 0.1, .nesterov = true}), doctest::Contains("nesterov needs momentum > 0"),
                         gf::Error);
  }

  TEST_CASE("SGD with weight decay, with and without momentum") {
    // g = 1 + 0.1 p, lr 0.5, p = 2:
    // step 1: g = 1.2                           p = 2 - 0.6 = 1.4
    // step 2: g = 1.14                          p = 1.4 - 0.57 = 0.83
    // with momentum 0.9: step 2 b = 0.9 * 1.2 + 1.14 = 2.22, p = 1.4 - 1.11 = 0.29
    Tensor p = param({2.0}), q = param({2.0});
    optim::SGD plain({p}, {.lr = 0.5, .weight_decay = 0.1});
    optim::SGD heavy({q}, {.lr = 0.5, .momentum = 0.9, .weight_decay = 0.1});
    step_with(plain, p, {1.0});
    step_with(heavy, q, {1.0});
    CHECK(at(p, 0) == doctest::Approx(1.4));
    CHECK(at(q, 0) == doctest::Approx(1.4));
    step_with(plain, p, {1.0});
    step_with(heavy, q, {1.0});
    CHECK(at(p, 0) == doctest::Approx(0.83));
    CHECK(at(q, 0) == doctest::Approx(0.29));
  }

  TEST_CASE("Adam, three steps with bias correction") {
    // lr 0.1, betas (0.9, 0.999), eps 1e-8; element 0 sees g = 0.5, -1, 2.
    // step 1: m = 0.05, v = 0.00025; m^ = 0.05 / 0.1 = 0.5, v^ = 0.00025 / 0.001 = 0.25
    //         p = 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 0.900000002
    // step 2: m = 0.045 - 0.1 = -0.055, v = 0.00024975 + 0.001 = 0.00124975
    //         m^ = -0.055 / 0.19, v^ = 0.00124975 / 0.001999
    //         p = 0.900000002 + 0.1 * 0.2894737 / 0.7906881 = 0.936610354
    Tensor p = param({1.0, -2.0});
    optim::Adam opt({p}, {.lr = 0.1});
    const std::vector<std::vector<double>> grads = {{0.5, 0.5}, {-1.0, 0.25}, {2.0, 0.0}};
    const std::vector<std::vector<double>> want = {{0.900000002, -2.099999998},
                                                   {0.936610354240565, -2.19321795952254},
                                                   {0.894644792718105, -2.26527571354386}};
    for (std::size_t s = 0; s < 3; ++s) {
      step_with(opt, p, grads[s]);
      CHECK(at(p, 0) == doctest::Approx(want[s][0]).epsilon(1e-12));
      CHECK(at(p, 1) == doctest::Approx(want[s][1]).epsilon(1e-12));
    }
    CHECK(opt.state(0).step == 3);
  }

  TEST_CASE("Adam with weight decay and other betas") {
    // lr 0.01, betas (0.5, 0.9), eps 1e-3, weight decay 0.1; element 0 at p = 1, g = 0.5:
    // g = 0.5 + 0.1 = 0.6; m = 0.3, v = 0.036; m^ = 0.6, v^ = 0.36
    // p = 1 - 0.01 * 0.6 / (0.6 + 0.001) = 0.990016638935108
    Tensor p = param({1.0, -2.0});
    optim::Adam opt({p}, {.lr = 0.01, .beta1 = 0.5, .beta2 = 0.9, .eps = 1e-3, .weight_decay = 0.1});
    step_with(opt, p, {0.5, 0.5});
    CHECK(at(p, 0) == doctest::Approx(0.990016638935108).epsilon(1e-12));
    CHECK(at(p, 1) == doctest::Approx(-2.00996677740864).epsilon(1e-12));
    step_with(opt, p, {-1.0, 0.25});
    CHECK(at(p, 0) == doctest::Approx(0.995192074619473).epsilon(1e-12));
    CHECK(at(p, 1) == doctest::Approx(-2.01626896665727).epsilon(1e-12));
  }

  TEST_CASE("float32 parameters and parameters without a gradient") {
    Tensor a = from_vector<float>({1, 2, 3}, {3}).requires_grad_();
    Tensor b = from_vector<float>({5}, {1}).requires_grad_();
    optim::Adam opt({a, b}, {.lr = 0.5});
    a.set_grad(from_vector<float>({1, -1, 0}, {3}));
    opt.step();  // b has no gradient: skipped, no state
    GF_CHECK_CLOSE(a, from_vector<float>({0.5f, 2.5f, 3.0f}, {3}), 1e-6, 1e-6);  // Adam's first step: lr sign(g)
    CHECK(b.item() == 5.0);
    CHECK(opt.state(1).step == 0);
    CHECK(opt.state_dict().count("state.1.exp_avg") == 0);
    opt.zero_grad();
    CHECK_FALSE(a.grad().defined());
  }

  TEST_CASE("optimizer state round trip gives identical next steps") {
    for (int kind = 0; kind < 2; ++kind) {
      CAPTURE(kind);
      auto make = [&](const Tensor& p) -> std::unique_ptr<optim::Optimizer> {
        if (kind == 0) return std::make_unique<optim::Adam>(std::vector<Tensor>{p}, optim::AdamOptions{.lr = 0.05});
        return std::make_unique<optim::SGD>(std::vector<Tensor>{p}, optim::SGDOptions{.lr = 0.05, .momentum = 0.9});
      };
      Tensor p = param({1.0, -1.0, 0.5});
      auto opt = make(p);
      step_with(*opt, p, {0.3, -0.2, 0.1});
      step_with(*opt, p, {-0.1, 0.4, 0.2});
      const auto saved = opt->state_dict();
      Tensor resumed = p.detach().clone().requires_grad_();
      step_with(*opt, p, {0.7, 0.1, -0.3});

      auto fresh = make(resumed);
      fresh->load_state_dict(saved);
      CHECK(fresh->step_count() == 2);
      step_with(*fresh, resumed, {0.7, 0.1, -0.3});
      CHECK(resumed.to_vector<double>() == p.to_vector<double>());
    }
  }

  TEST_CASE("optimizer load errors name every bad key and change nothing") {
    Tensor p = param({1.0, 2.0}), q = param({3.0});
    optim::SGD sgd({p, q}, {.lr = 0.1, .momentum = 0.9});
    step_with(sgd, p, {1.0, 1.0});
    auto state = sgd.state_dict();
    state["state.0.momentum_buffer"] = zeros({3}, {DType::kFloat64});
    state["state.5.momentum_buffer"] = zeros({1}, {DType::kFloat64});
    state["state.0.velocity"] = zeros({2}, {DType::kFloat64});
    state.erase("lr");
    optim::SGD other({p, q}, {.lr = 0.3, .momentum = 0.9});
    try {
      other.load_state_dict(state);
      FAIL("load_state_dict accepted a bad state");
    } catch (const gf::Error& e) {
      const std::string msg = e.what();
      CHECK(msg.find("SGD.load_state_dict") != std::string::npos);
      CHECK(msg.find("state.0.momentum_buffer has shape (3,), parameter 0 has shape (2,)") != std::string::npos);
      CHECK(msg.find("state.5.momentum_buffer is for parameter 5, but there are only 2") != std::string::npos);
      CHECK(msg.find("unexpected key state.0.velocity") != std::string::npos);
      CHECK(msg.find("missing key lr") != std::string::npos);
    }
    CHECK(other.lr() == 0.3);
    CHECK(other.step_count() == 0);
    // SGD state into Adam: the buffers have other names.
    optim::Adam adam({p, q});
    CHECK_THROWS_WITH_AS(adam.load_state_dict(sgd.state_dict()), doctest::Contains("missing key state.0.exp_avg"),
                         gf::Error);
  }

  TEST_CASE("StepLR and CosineAnnealingLR follow PyTorch's formulas") {
    Tensor p = param({1.0});
    optim::SGD opt({p}, {.lr = 1.0});
    optim::StepLR step_lr(opt, /*step_size=*/2, /*gamma=*/0.5);
    std::vector<double> got{opt.lr()};
    for (int e = 0; e < 5; ++e) {
      step_lr.step();
      got.push_back(opt.lr());
    }
    CHECK(got == std::vector<double>{1, 1, 0.5, 0.5, 0.25, 0.25});

    optim::SGD opt2({p}, {.lr = 1.0});
    optim::CosineAnnealingLR cosine(opt2, /*T_max=*/4, /*eta_min=*/0.1);
    // 0.1 + 0.9 (1 + cos(pi e / 4)) / 2
    const double want[] = {0.868198051533946, 0.55, 0.231801948466054, 0.1};
    for (double w : want) {
      cosine.step();
      CHECK(opt2.lr() == doctest::Approx(w).epsilon(1e-12));
    }
    cosine.set_epoch(2);  // resuming
    CHECK(opt2.lr() == doctest::Approx(0.55));
  }

  TEST_CASE("end to end: Linear regression fits generated data") {
    // y = 2 x0 - 3 x1 + 0.5 x2 + 1 + noise(0.01)
    Rng gen(21);
    Tensor x = randn({256, 3}, {}, &gen);
    Tensor w_true = from_vector<float>({2, -3, 0.5f}, {3, 1});
    Tensor y = add(matmul(x, w_true), 1.0) + randn({256, 1}, {}, &gen) * 0.01;
    nn::Linear model({.in = 3, .out = 1, .gen = &gen});
    optim::Adam opt(model.parameters(), {.lr = 0.05});
    double first = 0, last = 0;
    for (int it = 0; it < 300; ++it) {
      opt.zero_grad();
      Tensor loss = mean(square(model(x) - y));
      if (it == 0) first = loss.item();
      last = loss.item();
      loss.backward();
      opt.step();
    }
    MESSAGE("mse " << first << " -> " << last);
    CHECK(last < 1e-3);
    GF_CHECK_CLOSE(model.weight, w_true.t(), 0, 0.01);
    CHECK(model.bias.item() == doctest::Approx(1.0).epsilon(0.01));
  }
}
