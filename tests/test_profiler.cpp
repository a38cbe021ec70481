// Profiler: rows per module path, forward and backward time, convolution and
// matrix-product FLOPs against their formulas, bytes, the report, and that a
// disabled profiler records nothing.
#include <chrono>
#include <thread>

#include "gf/autograd/engine.hpp"
#include "gf/profile/profiler.hpp"
#include "gf/nn/nn.hpp"
#include "gf/ops/reduce.hpp"
#include "helpers.hpp"

using namespace gf;

namespace {

constexpr std::int64_t kN = 2;

// (N, 3, 4, 4) -> ConvTranspose2d -> (N, 4, 7, 7) -> Conv2d (groups 2) -> (N, 6, 4, 4)
//              -> ReLU -> Flatten -> (N, 96) -> Linear -> (N, 5)
std::shared_ptr<nn::Sequential> small_net() {
  Rng gen(7);
  return std::make_shared<nn::Sequential>(
      nn::make<nn::ConvTranspose2d>({.in = 3, .out = 4, .kernel = 3, .stride = 2, .padding = 1, .gen = &gen}),
      nn::make<nn::Conv2d>({.in = 4, .out = 6, .kernel = 3, .stride = 2, .padding = 1, .groups = 2, .gen = &gen}),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::Flatten>(),
      nn::make<nn::Linear>({.in = 96, .out = 5, .gen = &gen}));
}

// One forward and backward of `net` on a fixed input that takes no gradient.
void train_step(nn::Module& net) {
  Rng gen(3);
  const Tensor x = randn({kN, 3, 4, 4}, {}, &gen);
  sum(net(x)).backward();
}

const Profiler::Row& row(const std::vector<Profiler::Row>& rows, const std::string& path) {
  for (const auto& r : rows)
    if (r.path == path) return r;
  FAIL("no profiler row for " << path);
  return rows.front();
}

// A module that takes a known time, to check that time is charged exclusively.
struct Sleep : nn::Module {
  Tensor forward(const Tensor& x) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return x;
  }
  std::string type_name() const override { return "Sleep"; }
};

// Turns the profiler off and clears it however a test ends.
struct ProfilerSession {
  ProfilerSession() { Profiler::reset(); }
  ~ProfilerSession() {
    Profiler::disable();
    Profiler::reset();
  }
};

}  // namespace

TEST_SUITE("profiler") {
  TEST_CASE("every layer gets a row with forward and backward time, FLOPs and bytes") {
    ProfilerSession session;
    auto net = small_net();
    Profiler::name_modules(*net, "net");
    Profiler::enable();
    train_step(*net);
    Profiler::disable();
    const auto rows = Profiler::rows();

    // Execution order: the Sequential opens first, then its layers in turn.
    std::vector<std::string> paths;
    for (const auto& r : rows) paths.push_back(r.path);
    CHECK(paths == std::vector<std::string>{"net", "net.0", "net.1", "net.2", "net.3", "net.4"});
    CHECK(row(rows, "net.1").type == "Conv2d");
    for (const char* path : {"net.0", "net.1", "net.2", "net.4"}) {
      CAPTURE(path);
      CHECK(row(rows, path).calls == 1);
      CHECK(row(rows, path).forward_s > 0);
      CHECK(row(rows, path).backward_s > 0);
    }
    CHECK(row(rows, "net").backward_s == 0);  // records no op of its own

    // conv2d: 2 N C_out H_out W_out (C_in / groups) kH kW; its backward computes
    // the input gradient (the transposed conv before it needs one) and the
    // weight gradient, each with the same count.
    const double conv = 2.0 * kN * 6 * 4 * 4 * (4 / 2) * 3 * 3;
    CHECK(row(rows, "net.1").forward_flops == conv);
    CHECK(row(rows, "net.1").backward_flops == 2 * conv);
    // conv_transpose2d is the adjoint of the convolution (N, 4, 7, 7) -> (N, 3, 4, 4):
    // 2 N C_in H W (C_out / groups) kH kW. Its input needs no gradient: weight only.
    const double conv_t = 2.0 * kN * 3 * 4 * 4 * 4 * 3 * 3;
    CHECK(row(rows, "net.0").forward_flops == conv_t);
    CHECK(row(rows, "net.0").backward_flops == conv_t);
    // linear: 2 M N K forward, and two products of the same size backward.
    const double linear = 2.0 * kN * 5 * 96;
    CHECK(row(rows, "net.4").forward_flops == linear);
    CHECK(row(rows, "net.4").backward_flops == 2 * linear);
    CHECK(row(rows, "net.2").forward_flops == 0);  // ReLU is not counted

    // ReLU reads its input and writes its output; backward reads the output
    // gradient and writes the input gradient.
    const double relu_bytes = 2.0 * kN * 6 * 4 * 4 * sizeof(float);
    CHECK(row(rows, "net.2").forward_bytes == relu_bytes);
    CHECK(row(rows, "net.2").backward_bytes == relu_bytes);
  }

  TEST_CASE("grad() to the input computes no parameter gradient, also with create_graph") {
    // R1's and WGAN-GP's inner gradient dD/dx: the weights' gradients would be
    // thrown away, so no layer computes them (autograd::input_gradient_wanted).
    const double conv = 2.0 * kN * 6 * 4 * 4 * (4 / 2) * 3 * 3, conv_t = 2.0 * kN * 3 * 4 * 4 * 4 * 3 * 3,
                 linear = 2.0 * kN * 5 * 96;
    for (const bool create_graph : {false, true}) {
      CAPTURE(create_graph);
      ProfilerSession session;
      auto net = small_net();
      Profiler::name_modules(*net, "net");
      Rng gen(3);
      const Tensor x = randn({kN, 3, 4, 4}, {}, &gen).requires_grad_();
      Profiler::enable();
      const Tensor gx = autograd::grad({sum((*net)(x))}, {x}, {}, create_graph)[0];
      Profiler::disable();
      CHECK(gx.requires_grad() == create_graph);
      for (const Tensor& p : net->parameters()) CHECK_FALSE(p.grad().defined());
      const auto rows = Profiler::rows();
      CHECK(row(rows, "net.0").backward_flops == conv_t);  // each layer: its input gradient only
      CHECK(row(rows, "net.1").backward_flops == conv);
      CHECK(row(rows, "net.4").backward_flops == linear);
    }
  }

  TEST_CASE("the report names every layer, a total and the peak memory") {
    ProfilerSession session;
    auto net = small_net();
    Profiler::name_modules(*net, "net");
    Profiler::enable();
    train_step(*net);
    train_step(*net);
    Profiler::disable();
    CHECK(row(Profiler::rows(), "net.1").calls == 2);
    const std::string report = Profiler::report(2);
    for (const char* text : {"net.0", "ConvTranspose2d", "net.1", "Conv2d", "net.4", "Linear", "total",
                             "GFLOP/s", "FP32 peak", "peak memory", "max RSS"}) {
      CAPTURE(text);
      CHECK(report.find(text) != std::string::npos);
    }
  }

  TEST_CASE("an unnamed model is named after its type") {
    ProfilerSession session;
    auto net = small_net();
    Profiler::enable();
    train_step(*net);
    Profiler::disable();
    const auto rows = Profiler::rows();
    REQUIRE(rows.size() == 6);
    CHECK(rows[0].path == "Sequential");
    CHECK(rows[2].path == "Sequential.1");
    CHECK(rows[2].type == "Conv2d");
  }

  TEST_CASE("a module's time excludes the modules it calls") {
    ProfilerSession session;
    auto outer = std::make_shared<nn::Sequential>(std::make_shared<Sleep>());
    Profiler::name_modules(*outer, "outer");
    Profiler::enable();
    (*outer)(zeros({1}));
    Profiler::disable();
    const auto rows = Profiler::rows();
    CHECK(row(rows, "outer.0").forward_s >= 0.019);
    CHECK(row(rows, "outer").forward_s < 0.010);
  }

  TEST_CASE("a disabled profiler records nothing") {
    ProfilerSession session;
    auto net = small_net();
    Profiler::name_modules(*net, "net");
    train_step(*net);
    CHECK(Profiler::rows().empty());
    Profiler::add_work(1e9, 1e9);
    CHECK(Profiler::rows().empty());

    // Nodes recorded while it was off are not charged when it is turned on for backward.
    Rng gen(3);
    const Tensor y = sum((*net)(randn({kN, 3, 4, 4}, {}, &gen)));
    Profiler::enable();
    y.backward();
    Profiler::disable();
    CHECK(Profiler::rows().empty());
  }
}
