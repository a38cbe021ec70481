// The DCGAN training step: learning on synthetic data, exact resume,
// stopping on a non-finite loss, checkpoint contents.
#include "helpers.hpp"
#include "io_helpers.hpp"

#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <tuple>

#include "gf/models/gan/gan_trainer.hpp"

using namespace gf;
using namespace gf::models;

namespace {

// A small DCGAN-28 so the tests run in seconds.
GanTrainerOptions small_options(std::uint64_t seed = 11) {
  GanTrainerOptions o;
  o.model.ngf = 8;
  o.model.ndf = 8;
  o.seed = seed;
  o.num_fixed_samples = 16;
  return o;
}

// The small DCGAN as WGAN-GP: Wasserstein loss, a critic without batch norm, the penalty.
GanTrainerOptions wgan_gp_options(double gp_lambda, std::int64_t n_critic) {
  GanTrainerOptions o = small_options();
  o.loss = GanLoss::kWasserstein;
  o.model.d_batch_norm = false;
  o.gp_lambda = gp_lambda;
  o.n_critic = n_critic;
  return o;
}

// Synthetic "blobs": background -1 with one bright 8x8 square at a random
// place. A fixed function of (seed, batch index), so every run sees the same data.
Tensor blob_batch(std::int64_t index, std::int64_t n = 16) {
  Rng g(1000 + static_cast<std::uint64_t>(index));
  Tensor x = full({n, 1, 28, 28}, -1.0);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto r = static_cast<std::int64_t>(g.below(20)), c = static_cast<std::int64_t>(g.below(20));
    x.select(0, i).narrow(1, r, 8).narrow(2, c, 8).fill_(1.0);
  }
  return x;
}

// CHECK that two state dicts hold the same values, bit for bit.
void check_same(const nn::NamedTensors& a, const nn::NamedTensors& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CAPTURE(a[i].first);
    CHECK(a[i].second.to_vector<float>() == b[i].second.to_vector<float>());
  }
}

// Trains `steps` steps with options `o` on the blob batches, saves them at
// `path`, and returns a trainer built from the checkpoint's options and state.
std::unique_ptr<GanTrainer> saved_and_reloaded(const GanTrainerOptions& o, std::int64_t steps, const std::string& path) {
  {
    GanTrainer first(o);
    for (std::int64_t s = 0; s < steps; ++s) first.train_step(blob_batch(s));
    first.save(path);
  }
  auto resumed = std::make_unique<GanTrainer>(read_trainer_options(io::load_safetensors(path), path));
  resumed->load(path);
  return resumed;
}

}  // namespace

TEST_SUITE("gan_trainer") {
  TEST_CASE("the generator's distribution moves toward the data") {
    // Data: grey images, pixels N(0.5, 0.1^2). G starts near 0 (tanh of small values).
    // Adam moves each weight by about lr per step; the tiny test networks
    // take a larger rate to travel far in 60 steps.
    GanTrainerOptions o = small_options();
    o.lr_g = o.lr_d = 2e-3;
    GanTrainer trainer(o);
    auto grey_batch = [](std::int64_t index) {
      Rng g(500 + static_cast<std::uint64_t>(index));
      return add(mul(randn({16, 1, 28, 28}, {}, &g), 0.1), 0.5);
    };
    const double data_mean = 0.5;
    auto gen_mean = [&] { return mean(trainer.sample_fixed(false)).item(); };
    const double before = std::abs(gen_mean() - data_mean);
    for (std::int64_t s = 0; s < 60; ++s) {
      const StepStats st = trainer.train_step(grey_batch(s));
      CHECK(std::isfinite(st.loss_d));
      CHECK(st.grad_norm_g > 0);
    }
    const double after = std::abs(gen_mean() - data_mean);
    MESSAGE("|mean(G(z)) - mean(data)|: ", before, " -> ", after, " (data mean ", data_mean, ")");
    CHECK(after < 0.5 * before);
    CHECK(trainer.step() == 60);
  }

  TEST_CASE("N steps + save + load + N steps equals 2N steps exactly") {
    const int n = 3;
    GanTrainer straight(small_options());
    for (int s = 0; s < 2 * n; ++s) straight.train_step(blob_batch(s));

    const test::TempDir dir("resume");
    const std::string path = dir.file("resume.safetensors");
    {
      GanTrainer first(small_options());
      for (int s = 0; s < n; ++s) first.train_step(blob_batch(s));
      first.save(path, {{"epoch", "0"}});
    }
    GanTrainer resumed(small_options());
    const auto meta = resumed.load(path);
    CHECK(meta.at("epoch") == "0");
    CHECK(resumed.step() == n);
    for (int s = n; s < 2 * n; ++s) resumed.train_step(blob_batch(s));

    check_same(straight.generator().state_dict(), resumed.generator().state_dict());
    check_same(straight.discriminator().state_dict(), resumed.discriminator().state_dict());
    check_same(straight.sampling_generator().state_dict(), resumed.sampling_generator().state_dict());
  }

  TEST_CASE("a NaN loss stops the step, names it, and changes no weight") {
    GanTrainer trainer(small_options());
    trainer.train_step(blob_batch(0));
    const auto before = trainer.discriminator().state_dict()[0].second.to_vector<float>();
    Tensor bad = blob_batch(1);
    bad.select(0, 0).fill_(std::nan(""));
    try {
      trainer.train_step(bad);
      FAIL("expected NonFiniteLoss");
    } catch (const NonFiniteLoss& e) {
      CHECK(e.step == 2);
      CHECK(e.which == "loss_D");
      CHECK(std::string(e.what()).find("step 2") != std::string::npos);
    }
    CHECK(trainer.step() == 1);
    CHECK(trainer.discriminator().state_dict()[0].second.to_vector<float>() == before);
  }

  TEST_CASE("the configuration survives a checkpoint exactly") {
    GanTrainerOptions o = small_options(0xFEEDFACECAFEBEEFull);  // a seed above INT64_MAX
    o.lr_g = 1.234567891234e-4;
    o.lr_d = 3.3e-4;
    o.loss = GanLoss::kHinge;
    o.model.spectral_norm = true;
    o.real_label = 0.9;
    GanTrainer trainer(o);
    const test::TempDir dir("config");
    const std::string path = dir.file("config.safetensors");
    trainer.save(path);
    const GanTrainerOptions back = read_trainer_options(io::load_safetensors(path), path);
    CHECK(back.lr_g == o.lr_g);
    CHECK(back.lr_d == o.lr_d);
    CHECK(back.seed == o.seed);
    CHECK(back.loss == GanLoss::kHinge);
    CHECK(back.model.spectral_norm);
    CHECK(back.real_label == 0.9);
    CHECK(back.model.ngf == 8);
    CHECK(back.num_fixed_samples == 16);
  }

  TEST_CASE("checkpoints rebuild the generator and reject mismatches") {
    GanTrainer trainer(small_options());
    trainer.train_step(blob_batch(0));
    const test::TempDir dir("generator");
    const std::string path = dir.file("g.safetensors");
    trainer.save(path);
    auto g = load_generator(path);
    NoGradGuard no_grad;
    GF_CHECK_CLOSE(g->forward(trainer.fixed_noise()), trainer.sample_fixed(), 1e-5, 1e-6);

    GanTrainerOptions other = small_options();
    other.model.ngf = 16;
    GanTrainer wrong(other);
    CHECK_THROWS_AS(wrong.load(path), gf::Error);
  }

  TEST_CASE("a checkpoint whose fields do not match its tensors fails before any model is built") {
    GanTrainer trainer(small_options());
    const test::TempDir dir("forged");
    const std::string path = dir.file("ckpt.safetensors");
    trainer.save(path);
    const io::SafetensorsFile good = io::load_safetensors(path);
    const auto forged = [&](const std::function<void(io::SafetensorsFile&)>& edit) {
      io::SafetensorsFile f = good;
      edit(f);
      io::NamedTensors tensors(f.tensors.begin(), f.tensors.end());
      const std::string out = dir.file("forged.safetensors");
      io::save_safetensors(out, tensors, f.metadata);
      return out;
    };
    // Issue 12: ngf = 2000 in the metadata of a small file made dcgan_sample
    // spend 82 s and 8 GB before "state does not fit".
    const std::string wide = forged([](io::SafetensorsFile& f) { f.metadata["ngf"] = "2000"; });
    const auto start = std::chrono::steady_clock::now();
    const std::string message = test::error_of([&] { load_generator(wide); });
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
    GF_CHECK_CONTAINS(message, wide);
    GF_CHECK_CONTAINS(message, "ngf 2000");
    GF_CHECK_CONTAINS(message, "the metadata does not match the weights");
    GF_CHECK_CONTAINS(test::error_of([&] { GanTrainer(small_options()).load(wide); }), "ngf 2000");
    // A fixed_noise of shape (1e8, 0) made --resume allocate 1.2 GB.
    const std::string noise = forged([](io::SafetensorsFile& f) { f.tensors["fixed_noise"] = zeros({100000000, 0}); });
    GF_CHECK_CONTAINS(test::error_of([&] { GanTrainer(small_options()).load(noise); }),
                      "fixed_noise has shape (100000000, 0), expected (N, nz = 100)");
    // A step stored as a float NaN loaded as step 0 (the fuzzer's finding, issue 12).
    const std::string nan_step = forged([](io::SafetensorsFile& f) {
      f.tensors["step"] = full({}, std::nan(""), {DType::kFloat64});
    });
    GF_CHECK_CONTAINS(test::error_of([&] { GanTrainer(small_options()).load(nan_step); }),
                      "step must be one non-negative int64, got float64");
    const std::string negative = forged([](io::SafetensorsFile& f) { f.metadata["ndf"] = "-3"; });
    GF_CHECK_CONTAINS(test::error_of([&] { load_generator(negative); }), "ndf must be positive");
    // std::stoll read "64abc" as 64, and its error for "fast" said only "stod".
    for (const auto& [key, text, expected] : {std::tuple{"ndf", "64abc", "a whole number"},
                                              std::tuple{"lr_g", "fast", "a number"},
                                              std::tuple{"spectral_norm", "", "a whole number"}}) {
      const std::string bad = forged([&](io::SafetensorsFile& f) { f.metadata[key] = text; });
      const std::string error = test::error_of([&] { GanTrainer(small_options()).load(bad); });
      GF_CHECK_CONTAINS(error, "checkpoint " + bad + ": metadata '" + key + "' must be " + expected);
      GF_CHECK_CONTAINS(error, "got '" + std::string(text) + "'");
    }
  }

  TEST_CASE("conditional training runs with labels") {
    GanTrainerOptions o = small_options();
    o.model.num_classes = 3;
    GanTrainer trainer(o);
    const Tensor labels = from_vector<std::int64_t>(std::vector<std::int64_t>(16, 2), {16});
    const StepStats st = trainer.train_step(blob_batch(0), labels);
    CHECK(std::isfinite(st.loss_g));
    CHECK(trainer.sample_fixed().shape() == Shape{16, 1, 28, 28});
    CHECK_THROWS_WITH_AS(trainer.train_step(blob_batch(0)), doctest::Contains("labels"), gf::Error);
  }

  TEST_CASE("WGAN-GP: a critic without batch norm, n_critic D steps per G step, a finite penalty") {
    GanTrainerOptions o = wgan_gp_options(10.0, 3);
    o.lr_g = o.lr_d = 1e-4;  // the paper's Adam
    o.beta1 = 0.0;
    o.beta2 = 0.9;
    GanTrainer trainer(o);
    for (const auto& [name, module] : trainer.discriminator().named_modules())
      CHECK_MESSAGE(module->type_name() != "BatchNorm2d", name);
    const auto g_before = trainer.generator().state_dict()[0].second.to_vector<float>();
    for (std::int64_t s = 0; s < 6; ++s) {
      const StepStats st = trainer.train_step(blob_batch(s));
      CAPTURE(s);
      CHECK(std::isfinite(st.loss_d));
      CHECK(std::isfinite(st.loss_g));
      CHECK(std::isfinite(st.penalty));
      CHECK(st.penalty > 0.0);  // a fresh critic's input gradients are far from norm 1
      CHECK(st.g_step == ((s + 1) % 3 == 0));
      // G moves on its steps only.
      const bool g_moved = trainer.generator().state_dict()[0].second.to_vector<float>() != g_before;
      CHECK(g_moved == (s >= 2));
    }
  }

  TEST_CASE("R1 (lazy) with the default loss: the penalty every k-th step, resumed exactly") {
    GanTrainerOptions o = small_options();
    o.r1_gamma = 1.0;
    o.r1_every = 2;
    GanTrainer straight(o);
    for (std::int64_t s = 0; s < 4; ++s) {
      const StepStats st = straight.train_step(blob_batch(s));
      CAPTURE(s);
      CHECK(std::isfinite(st.loss_d));
      CHECK(std::isfinite(st.penalty));
      CHECK((st.penalty > 0.0) == (s % 2 == 0));
    }
    const test::TempDir dir("r1");
    const std::string path = dir.file("r1.safetensors");
    const auto resumed = saved_and_reloaded(o, 3, path);
    CHECK(resumed->options().r1_gamma == 1.0);
    CHECK(resumed->options().r1_every == 2);
    const StepStats last = resumed->train_step(blob_batch(3));
    CHECK(last.penalty == 0.0);  // step 4 is not an R1 step
    CHECK(resumed->discriminator().state_dict()[0].second.to_vector<float>() ==
          straight.discriminator().state_dict()[0].second.to_vector<float>());
  }

  TEST_CASE("penalty and critic settings survive a checkpoint; older checkpoints keep the defaults") {
    GanTrainer trainer(wgan_gp_options(7.5, 4));
    const test::TempDir dir("gp_config");
    const std::string path = dir.file("gp.safetensors");
    trainer.save(path);
    const GanTrainerOptions back = read_trainer_options(io::load_safetensors(path), path);
    CHECK(back.loss == GanLoss::kWasserstein);
    CHECK_FALSE(back.model.d_batch_norm);
    CHECK(back.gp_lambda == 7.5);
    CHECK(back.n_critic == 4);
    // A run with batch norm in D cannot continue a critic's checkpoint.
    GanTrainer with_bn(small_options());
    CHECK_THROWS_WITH_AS(with_bn.load(path), doctest::Contains(("checkpoint " + path).c_str()), gf::Error);
    // A checkpoint from before these fields existed reads with the defaults.
    const std::string old_path = dir.file("old.safetensors");
    with_bn.save(old_path);
    io::SafetensorsFile old_file = io::load_safetensors(old_path);
    for (const char* key : {"d_batch_norm", "gp_lambda", "n_critic", "r1_gamma", "r1_every"})
      CHECK(old_file.metadata.erase(key) == 1);
    const GanTrainerOptions old = read_trainer_options(old_file, old_path);
    CHECK(old.model.d_batch_norm);
    CHECK(old.gp_lambda == 0.0);
    CHECK(old.n_critic == 1);
    CHECK(old.r1_gamma == 0.0);
    CHECK(old.r1_every == 1);
  }

  TEST_CASE("DiffAugment: finite steps, exact resume, the policy in the checkpoint") {
    GanTrainerOptions o = small_options();
    o.diff_augment = parse_diff_augment("color,translation,cutout");
    GanTrainer straight(o), plain(small_options());
    for (std::int64_t s = 0; s < 4; ++s) {
      const StepStats st = straight.train_step(blob_batch(s));
      plain.train_step(blob_batch(s));
      CHECK(std::isfinite(st.loss_d + st.loss_g));
    }
    // T changes what D sees, so the weights differ from the run without it.
    CHECK(plain.discriminator().state_dict()[0].second.to_vector<float>() !=
          straight.discriminator().state_dict()[0].second.to_vector<float>());

    const test::TempDir dir("diff_augment");
    const std::string path = dir.file("diff_augment.safetensors");
    const auto resumed = saved_and_reloaded(o, 2, path);
    CHECK(resumed->options().diff_augment == o.diff_augment);
    for (std::int64_t s = 2; s < 4; ++s) resumed->train_step(blob_batch(s));
    check_same(straight.generator().state_dict(), resumed->generator().state_dict());
    check_same(straight.discriminator().state_dict(), resumed->discriminator().state_dict());

    // A checkpoint from before the option existed trains without it.
    io::SafetensorsFile old_file = io::load_safetensors(path);
    CHECK(old_file.metadata.erase("diff_augment") == 1);
    CHECK_FALSE(read_trainer_options(old_file, path).diff_augment.enabled());
  }

  TEST_CASE("DiffAugment with the penalties: R1 on T(real), WGAN-GP between T(real) and T(fake)") {
    GanTrainerOptions r1 = small_options();
    r1.r1_gamma = 1.0;
    GanTrainerOptions gp = wgan_gp_options(10.0, 2);
    for (GanTrainerOptions* o : {&r1, &gp}) {
      o->diff_augment = parse_diff_augment("color,translation,cutout");
      GanTrainer trainer(*o);
      for (std::int64_t s = 0; s < 2; ++s) {
        const StepStats st = trainer.train_step(blob_batch(s));
        CHECK(std::isfinite(st.loss_d));
        CHECK(std::isfinite(st.loss_g));
        CHECK(std::isfinite(st.penalty));
        CHECK(st.penalty > 0.0);
      }
    }
  }

  TEST_CASE("bad penalty settings are refused, naming them") {
    GanTrainerOptions o = small_options();
    o.n_critic = 0;
    CHECK_THROWS_WITH_AS(GanTrainer{o}, doctest::Contains("n_critic (0)"), gf::Error);
    o = small_options();
    o.r1_gamma = -1;
    CHECK_THROWS_WITH_AS(GanTrainer{o}, doctest::Contains("r1_gamma (-1)"), gf::Error);
  }
}
