// nn: module registry (names, state_dict, train/eval, to), printing and the
// summary trace, layers, init.
#include <cmath>

#include "gf/nn/nn.hpp"
#include "helpers.hpp"

using namespace gf;

namespace {

// Linear(3, 4) -> BatchNorm2d(4) on (N, 4) -> ReLU -> Linear(4, 2, no bias)
std::shared_ptr<nn::Sequential> small_net(std::uint64_t seed) {
  Rng gen(seed);
  return std::make_shared<nn::Sequential>(nn::make<nn::Linear>({.in = 3, .out = 4, .gen = &gen}),
                                          nn::make<nn::BatchNorm2d>({.features = 4}), std::make_shared<nn::ReLU>(),
                                          nn::make<nn::Linear>({.in = 4, .out = 2, .bias = false, .gen = &gen}));
}

// A model with a member of its own and a nested Sequential, like DCGAN's.
struct Wrapper : nn::Module {
  std::shared_ptr<nn::Sequential> main;
  Tensor scale;
  explicit Wrapper(std::uint64_t seed) {
    scale = ones({2});
    register_parameter("scale", scale);
    main = register_module("main", small_net(seed));
  }
  Tensor forward(const Tensor& x) override { return (*main)(x) * scale; }
  std::string type_name() const override { return "Wrapper"; }
};

std::vector<std::string> names_of(const nn::NamedTensors& list) {
  std::vector<std::string> out;
  for (const auto& [name, t] : list) out.push_back(name);
  return out;
}

// Mean and standard deviation of a tensor's values.
std::pair<double, double> stats(const Tensor& t) {
  const auto v = t.to_vector<double>();
  double m = 0, s = 0;
  for (double x : v) m += x;
  m /= static_cast<double>(v.size());
  for (double x : v) s += (x - m) * (x - m);
  return {m, std::sqrt(s / static_cast<double>(v.size()))};
}

double max_abs(const Tensor& t) {
  double m = 0;
  for (double x : t.to_vector<double>()) m = std::max(m, std::abs(x));
  return m;
}

}  // namespace

TEST_SUITE("nn") {
  TEST_CASE("parameters, buffers and modules are named by their path") {
    auto net = small_net(1);
    CHECK(names_of(net->named_parameters()) == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "3.weight"});
    CHECK(names_of(net->named_buffers()) ==
          std::vector<std::string>{"1.running_mean", "1.running_var", "1.num_batches_tracked"});
    CHECK(net->num_parameters() == 3 * 4 + 4 + 4 + 4 + 4 * 2);
    for (const Tensor& p : net->parameters()) CHECK(p.requires_grad());

    Wrapper w(1);
    CHECK(names_of(w.named_parameters()) ==
          std::vector<std::string>{"scale", "main.0.weight", "main.0.bias", "main.1.weight", "main.1.bias", "main.3.weight"});
    CHECK(names_of(w.state_dict()) ==
          std::vector<std::string>{"scale", "main.0.weight", "main.0.bias", "main.1.weight", "main.1.bias",
                                   "main.1.running_mean", "main.1.running_var", "main.1.num_batches_tracked",
                                   "main.3.weight"});
    std::vector<std::string> modules;
    for (const auto& [name, m] : w.named_modules()) modules.push_back(name);
    CHECK(modules == std::vector<std::string>{"", "main", "main.0", "main.1", "main.2", "main.3"});
    // The registry follows the member: a new tensor assigned to `weight` is what gets listed.
    auto lin = net->at<nn::Linear>(0);
    lin->weight = zeros({4, 3}).requires_grad_();
    CHECK(net->named_parameters()[0].second.is_same(lin->weight));
    CHECK_THROWS_WITH_AS(net->at<nn::Linear>(2), doctest::Contains("child 2 is a ReLU"), gf::Error);
  }

  TEST_CASE("registering a name twice or a name with a dot is refused") {
    struct Bad : nn::Module {
      Tensor a = zeros({1}), b = zeros({1});
    } m;
    m.register_parameter("a", m.a);
    CHECK_THROWS_WITH_AS(m.register_buffer("a", m.b), doctest::Contains("'a' is already registered"), gf::Error);
    CHECK_THROWS_WITH_AS(m.register_parameter("x.y", m.b), doctest::Contains("contain no '.'"), gf::Error);
  }

  TEST_CASE("state_dict round trip reproduces the outputs") {
    auto a = small_net(1), b = small_net(2);
    Tensor x = randn({5, 3});
    (*a)(x);  // moves a's running statistics away from their start
    a->eval();
    b->eval();
    CHECK_FALSE(test::compare((*a)(x), (*b)(x), 1e-6, 1e-6).empty());
    b->load_state_dict(a->state_dict());
    GF_CHECK_CLOSE((*b)(x), (*a)(x), 0, 0);
    CHECK(b->at<nn::BatchNorm2d>(1)->num_batches_tracked.item<std::int64_t>() == 1);
    // A copy, not an alias: b's tensors keep their own storage.
    CHECK(b->at<nn::Linear>(0)->weight.storage() != a->at<nn::Linear>(0)->weight.storage());
    // The map form works too (what a checkpoint reader returns).
    std::map<std::string, Tensor> as_map;
    for (const auto& [name, t] : a->state_dict()) as_map[name] = t.clone();
    b->load_state_dict(as_map);
    GF_CHECK_CLOSE((*b)(x), (*a)(x), 0, 0);
  }

  TEST_CASE("load_state_dict lists missing, unexpected and mismatched names, and changes nothing") {
    auto net = small_net(1);
    const Tensor before = net->at<nn::Linear>(0)->weight.clone();
    std::map<std::string, Tensor> state;
    for (const auto& [name, t] : small_net(2)->state_dict()) state[name] = t;
    state.erase("0.bias");
    state["extra.weight"] = zeros({1});
    state["3.weight"] = zeros({4, 2});  // transposed
    try {
      net->load_state_dict(state);
      FAIL("load_state_dict accepted a bad state");
    } catch (const gf::Error& e) {
      const std::string msg = e.what();
      CHECK(msg.find("missing (1): 0.bias") != std::string::npos);
      CHECK(msg.find("unexpected (1): extra.weight") != std::string::npos);
      CHECK(msg.find("3.weight expects (2, 4), got (4, 2)") != std::string::npos);
    }
    GF_CHECK_CLOSE(net->at<nn::Linear>(0)->weight, before, 0, 0);
    // Non-strict: missing and unexpected names are fine, shapes still must match.
    state["3.weight"] = zeros({2, 4});
    net->load_state_dict(state, /*strict=*/false);
    CHECK(max_abs(net->at<nn::Linear>(3)->weight) == 0.0);
    GF_CHECK_CLOSE(net->at<nn::Linear>(0)->bias, small_net(1)->at<nn::Linear>(0)->bias, 0, 0);  // untouched
  }

  TEST_CASE("train() and eval() reach every descendant") {
    Wrapper w(1);
    w.eval();
    for (const auto& [name, m] : w.named_modules()) CHECK_FALSE(m->is_training());
    w.main->train();
    CHECK_FALSE(w.is_training());
    CHECK(w.main->at<nn::BatchNorm2d>(1)->is_training());
    w.train();
    for (const auto& [name, m] : w.named_modules()) CHECK(m->is_training());
  }

  TEST_CASE("str() prints the module tree like PyTorch") {
    Wrapper w(1);
    CHECK(w.str() ==
          "Wrapper(\n"
          "  (main): Sequential(\n"
          "    (0): Linear(in_features=3, out_features=4, bias=true)\n"
          "    (1): BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)\n"
          "    (2): ReLU()\n"
          "    (3): Linear(in_features=4, out_features=2, bias=false)\n"
          "  )\n"
          ")");
  }

  TEST_CASE("summary traces shapes and parameter counts without changing state") {
    Wrapper w(1);
    auto bn = w.main->at<nn::BatchNorm2d>(1);
    const std::string s = w.summary(randn({5, 3}));
    MESSAGE(s);
    CHECK(s.find("input") != std::string::npos);
    CHECK(s.find("Wrapper") != std::string::npos);
    CHECK(s.find("  main (Sequential)") != std::string::npos);
    CHECK(s.find("    0 (Linear)") != std::string::npos);
    CHECK(s.find("(5, 4)") != std::string::npos);
    CHECK(s.find("(5, 2)") != std::string::npos);
    CHECK(s.find("Total params: 34") != std::string::npos);
    // Runs in eval mode without touching running statistics, then restores the flags.
    CHECK(bn->num_batches_tracked.item<std::int64_t>() == 0);
    CHECK(w.is_training());
    CHECK(bn->is_training());
  }

  TEST_CASE("to(dtype) converts parameters and buffers; the module keeps training") {
    auto net = small_net(1);
    net->to(DType::kFloat64);
    for (const auto& [name, t] : net->state_dict())
      CHECK(t.dtype() == (name == "1.num_batches_tracked" ? DType::kInt64 : DType::kFloat64));
    for (const Tensor& p : net->parameters()) CHECK(p.requires_grad());
    Tensor y = (*net)(randn({4, 3}, {DType::kFloat64}));
    sum(y).backward();
    CHECK(net->at<nn::Linear>(0)->weight.grad().defined());
    net->zero_grad();
    CHECK_FALSE(net->at<nn::Linear>(0)->weight.grad().defined());
    net->to(Device::cpu());  // same device: nothing to do
  }

  TEST_CASE("BatchNorm2d updates running statistics in training, uses them in eval") {
    nn::BatchNorm2d bn({.features = 2});
    Tensor x = from_vector<float>({1, 2, 3, 6}, {2, 2});  // channel means (2, 4), unbiased vars (2, 8)
    bn(x);
    CHECK(bn.running_mean.to_vector<float>()[1] == doctest::Approx(0.4));
    CHECK(bn.running_var.to_vector<float>()[1] == doctest::Approx(1.7));
    CHECK(bn.num_batches_tracked.item<std::int64_t>() == 1);
    bn.eval();
    Tensor y = bn(x);
    CHECK(y.to_vector<float>()[1] == doctest::Approx((2 - 0.4) / std::sqrt(1.7 + 1e-5)).epsilon(1e-5));
    CHECK(bn.num_batches_tracked.item<std::int64_t>() == 1);
    CHECK_THROWS_WITH_AS(bn(zeros({2, 3})), "BatchNorm2d: expected (N, 2, H, W) or (N, 2), got (2, 3)", gf::Error);
  }

  TEST_CASE("InstanceNorm2d normalises each plane; affine is optional") {
    nn::InstanceNorm2d plain({.features = 3}), affine({.features = 3, .affine = true});
    CHECK(plain.named_parameters().empty());
    CHECK(names_of(affine.named_parameters()) == std::vector<std::string>{"weight", "bias"});
    Tensor x = randn({2, 3, 4, 4}) * 5.0 + 2.0;
    Tensor y = plain(x);
    GF_CHECK_CLOSE(mean(y, {2, 3}), zeros({2, 3}), 0, 1e-5);
    GF_CHECK_CLOSE(affine(x), y, 1e-6, 1e-6);  // gamma 1, beta 0 at the start
  }

  TEST_CASE("Dropout: seeded masks repeat, eval is the identity") {
    nn::Dropout a(0.5, 7), b(0.5, 7);
    Tensor x = ones({64});
    GF_CHECK_CLOSE(a(x), b(x), 0, 0);
    const auto kept = a(x).to_vector<float>();
    for (float v : kept) CHECK((v == 0.0f || v == 2.0f));
    a.eval();
    GF_CHECK_CLOSE(a(x), x, 0, 0);
    CHECK_THROWS_WITH_AS(nn::Dropout(1.0), doctest::Contains("p must be in [0, 1)"), gf::Error);
  }

  TEST_CASE("shape layers: Flatten, Unflatten, Upsample, ReflectionPad2d") {
    Tensor x = randn({2, 3, 4, 5});
    CHECK(nn::Flatten()(x).shape() == Shape{2, 60});
    CHECK(nn::Unflatten(1, {3, 20})(nn::Flatten()(x)).shape() == Shape{2, 3, 20});
    GF_CHECK_CLOSE(nn::Unflatten(1, {3, 4, 5})(nn::Flatten()(x)), x, 0, 0);
    CHECK_THROWS_WITH_AS(nn::Unflatten(1, {7, 7})(nn::Flatten()(x)), "Unflatten: cannot split dim 1 of (2, 60) into (7, 7)",
                         gf::Error);
    CHECK(nn::Upsample(2)(x).shape() == Shape{2, 3, 8, 10});
    Tensor p = nn::ReflectionPad2d(1)(x);
    CHECK(p.shape() == Shape{2, 3, 6, 7});
    // Reflection without repeating the edge: padded column 0 is input column 1.
    GF_CHECK_CLOSE(p.slice(2, 1, 5).select(3, 0), x.select(3, 1), 0, 0);
  }

  TEST_CASE("Linear computes x W^T + b, also for extra leading dims") {
    nn::Linear lin({.in = 3, .out = 2});
    Tensor x = randn({4, 3});
    const auto w = lin.weight.to_vector<double>(), b = lin.bias.to_vector<double>(), xv = x.to_vector<double>();
    std::vector<double> want;
    for (int n = 0; n < 4; ++n)
      for (int o = 0; o < 2; ++o) {
        double acc = b[o];
        for (int i = 0; i < 3; ++i) acc += xv[n * 3 + i] * w[o * 3 + i];
        want.push_back(acc);
      }
    GF_CHECK_CLOSE(lin(x), from_vector<double>(want, {4, 2}).to(DType::kFloat32), 1e-5, 1e-5);
    GF_CHECK_CLOSE(lin(x.view({2, 2, 3})), lin(x).view({2, 2, 2}), 1e-6, 1e-6);
    CHECK_THROWS_WITH_AS(lin(zeros({2, 5})), "Linear: input (2, 5) must end in in_features = 3", gf::Error);
  }

  TEST_CASE("default init is PyTorch's: uniform in +-1/sqrt(fan_in)") {
    Rng gen(3);
    nn::Linear lin({.in = 100, .out = 50, .gen = &gen});
    CHECK(max_abs(lin.weight) <= 0.1);
    CHECK(max_abs(lin.weight) > 0.099);  // fills the range
    CHECK(max_abs(lin.bias) <= 0.1);
    nn::Conv2d conv({.in = 4, .out = 8, .kernel = 3, .padding = 1, .gen = &gen});  // fan_in 4 * 9 = 36
    CHECK(max_abs(conv.weight) <= 1.0 / 6.0);
    CHECK(max_abs(conv.weight) > 0.16);
    // Same seed, same weights.
    Rng g1(5), g2(5);
    GF_CHECK_CLOSE(nn::Linear({.in = 4, .out = 4, .gen = &g1}).weight,
                   nn::Linear({.in = 4, .out = 4, .gen = &g2}).weight, 0, 0);
  }

  TEST_CASE("init: gains, fans, xavier and kaiming spreads") {
    using namespace nn::init;
    CHECK(calculate_gain(Nonlinearity::kReLU) == doctest::Approx(std::sqrt(2.0)));
    CHECK(calculate_gain(Nonlinearity::kLeakyReLU, 0.2) == doctest::Approx(std::sqrt(2.0 / 1.04)));
    CHECK(calculate_gain(Nonlinearity::kTanh) == doctest::Approx(5.0 / 3.0));
    CHECK(fans(zeros({64, 32, 4, 4})) == std::pair<std::int64_t, std::int64_t>{512, 1024});
    Rng gen(11);
    Tensor w = empty({200, 300});
    kaiming_normal_(w, gen, 0.0, FanMode::kFanIn, Nonlinearity::kReLU);  // std sqrt(2 / 300)
    CHECK(stats(w).second == doctest::Approx(std::sqrt(2.0 / 300.0)).epsilon(0.02));
    kaiming_uniform_(w, gen, 0.0, FanMode::kFanOut, Nonlinearity::kReLU);  // bound sqrt(6 / 200)
    CHECK(max_abs(w) <= std::sqrt(6.0 / 200.0));
    CHECK(stats(w).second == doctest::Approx(std::sqrt(2.0 / 200.0)).epsilon(0.02));
    xavier_uniform_(w, gen);  // bound sqrt(6 / 500)
    CHECK(max_abs(w) <= std::sqrt(6.0 / 500.0));
    xavier_normal_(w, gen, 2.0);
    CHECK(stats(w).second == doctest::Approx(2.0 * std::sqrt(2.0 / 500.0)).epsilon(0.02));
    constant_(w, 0.5);
    CHECK(stats(w).first == 0.5);
    CHECK_THROWS_WITH_AS(fans(zeros({3})), doctest::Contains("at least 2 dims"), gf::Error);
  }

  TEST_CASE("dcgan_init: conv weights N(0, 0.02), batch-norm gamma N(1, 0.02), beta 0") {
    auto g = std::make_shared<nn::Sequential>(
        nn::make<nn::ConvTranspose2d>({.in = 16, .out = 64, .kernel = 4, .bias = false}),
        nn::make<nn::BatchNorm2d>({.features = 64}), std::make_shared<nn::ReLU>(),
        nn::make<nn::Conv2d>({.in = 64, .out = 32, .kernel = 3, .padding = 1, .bias = false}));
    Rng gen(9);
    nn::init::dcgan_init(*g, gen);
    for (std::size_t i : {0u, 3u}) {
      const auto [m, s] = stats((*g)[i]->named_parameters()[0].second);
      CHECK(std::abs(m) < 0.002);
      CHECK(s == doctest::Approx(0.02).epsilon(0.05));
    }
    auto bn = g->at<nn::BatchNorm2d>(1);
    CHECK(std::abs(stats(bn->weight).first - 1.0) < 0.01);
    CHECK(max_abs(bn->bias) == 0.0);
  }

  TEST_CASE("conv layers: DCGAN-28 generator shapes, parameter count and gradients") {
    // G of DCGAN-28: ConvT(100,256,7,1,0)+BN+ReLU -> ConvT(256,128,4,2,1)+BN+ReLU -> ConvT(128,1,4,2,1)+Tanh
    auto g = std::make_shared<nn::Sequential>(
        nn::make<nn::ConvTranspose2d>({.in = 100, .out = 256, .kernel = 7, .bias = false}),
        nn::make<nn::BatchNorm2d>({.features = 256}), std::make_shared<nn::ReLU>(),
        nn::make<nn::ConvTranspose2d>({.in = 256, .out = 128, .kernel = 4, .stride = 2, .padding = 1, .bias = false}),
        nn::make<nn::BatchNorm2d>({.features = 128}), std::make_shared<nn::ReLU>(),
        nn::make<nn::ConvTranspose2d>({.in = 128, .out = 1, .kernel = 4, .stride = 2, .padding = 1, .bias = false}),
        std::make_shared<nn::Tanh>());
    CHECK(g->num_parameters() == 100 * 256 * 49 + 2 * 256 + 256 * 128 * 16 + 2 * 128 + 128 * 16);
    Tensor z = randn({2, 100, 1, 1});
    Tensor img = (*g)(z);
    CHECK(img.shape() == Shape{2, 1, 28, 28});
    const std::string s = g->summary(z);
    CHECK(s.find("0 (ConvTranspose2d)") != std::string::npos);
    CHECK(s.find("(2, 256, 7, 7)") != std::string::npos);
    CHECK(s.find("(2, 128, 14, 14)") != std::string::npos);
    CHECK(s.find("(2, 1, 28, 28)") != std::string::npos);
    sum(img).backward();
    for (const auto& [name, p] : g->named_parameters()) CHECK_MESSAGE(p.grad().defined(), name);

    nn::Conv2d d({.in = 1, .out = 64, .kernel = 4, .stride = 2, .padding = 1, .bias = false});
    CHECK(d(img).shape() == Shape{2, 64, 14, 14});
    CHECK(d.str() == "Conv2d(1, 64, kernel_size=4, stride=2, padding=1, bias=false)");
  }

  TEST_CASE("Embedding looks up rows; repeated labels sum their gradients; bad labels are named") {
    Rng gen(5);
    nn::Embedding table({.num_embeddings = 4, .embedding_dim = 3, .gen = &gen});
    const Tensor labels = from_vector<std::int64_t>({2, 0, 2}, {3});
    const Tensor rows = table(labels);
    CHECK(rows.shape() == Shape{3, 3});
    GF_CHECK_CLOSE(rows.select(0, 0), table.weight.select(0, 2), 0, 0);
    GF_CHECK_CLOSE(rows.select(0, 1), table.weight.select(0, 0), 0, 0);
    sum(rows * from_vector<float>({1, 1, 1, 10, 10, 10, 100, 100, 100}, {3, 3})).backward();
    // row 2 was read twice (weights 1 and 100), row 0 once (10), rows 1 and 3 never
    CHECK(table.weight.grad().to_vector<float>() == std::vector<float>{10, 10, 10, 0, 0, 0, 101, 101, 101, 0, 0, 0});
    CHECK_THROWS_WITH_AS(table(from_vector<std::int64_t>({1, 4}, {2})),
                         doctest::Contains("embedding: label 4 at index 1 is outside [0, 4)"), gf::Error);
  }

  TEST_CASE("one_hot puts a 1 at each label and names a bad one") {
    CHECK(nn::one_hot(from_vector<std::int64_t>({1, 0}, {2}), 3).to_vector<float>() ==
          std::vector<float>{0, 1, 0, 1, 0, 0});
    CHECK_THROWS_WITH_AS(nn::one_hot(from_vector<std::int64_t>({-1}, {1}), 3),
                         doctest::Contains("one_hot: label -1 at index 0 is outside [0, 3)"), gf::Error);
  }
}
