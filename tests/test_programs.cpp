// The example programs end to end, on small data the test writes: training,
// resume (after a kill's leftovers), sampling, the refusal to replace a
// checkpoint, and the stop on a non-finite loss.
#include "helpers.hpp"
#include "io_helpers.hpp"
#include "program_helpers.hpp"

#include "gf/metrics/fid.hpp"
#include "gf/models/gan/classifier.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

namespace fs = std::filesystem;
using namespace gf;

namespace {

std::string read_all(const fs::path& p) { return test::read_bytes(p.string()); }

std::int64_t count_lines(const fs::path& p) {
  const std::string s = read_all(p);
  return std::count(s.begin(), s.end(), '\n');
}

// The steps of metrics.csv's rows, checking that each row is whole: 10 fields, a newline.
std::vector<std::int64_t> metrics_steps(const fs::path& p) {
  std::istringstream in(read_all(p));
  std::string line;
  std::getline(in, line);  // the header
  std::vector<std::int64_t> steps;
  while (std::getline(in, line)) {
    CHECK_MESSAGE(std::count(line.begin(), line.end(), ',') == 9, line);
    steps.push_back(std::stoll(line));
  }
  CHECK(read_all(p).back() == '\n');
  return steps;
}

// One column of metrics.csv, by its header name.
std::vector<double> metrics_column(const fs::path& p, const std::string& name) {
  std::istringstream in(read_all(p));
  std::string line, field;
  std::getline(in, line);
  std::istringstream header(line);
  std::size_t index = 0;
  while (std::getline(header, field, ',') && field != name) ++index;
  REQUIRE_MESSAGE(field == name, "no column " << name << " in " << line);
  std::vector<double> values;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    for (std::size_t i = 0; i <= index; ++i) std::getline(row, field, ',');
    values.push_back(std::stod(field));
  }
  return values;
}

// A folder of 40 small grey PNGs with a bright square, plus one broken file.
fs::path make_image_folder(const fs::path& root) {
  fs::create_directories(root);
  Rng g(3);
  for (int i = 0; i < 40; ++i) {
    Tensor img = zeros({1, 28, 28});
    img.narrow(1, static_cast<std::int64_t>(g.below(18)), 10).narrow(2, static_cast<std::int64_t>(g.below(18)), 10).fill_(1.0);
    io::write_image((root / ("img_" + std::to_string(i) + ".png")).string(), img);
  }
  std::ofstream(root / "broken.png") << "not a png";
  return root;
}

}  // namespace

TEST_SUITE("programs") {
  TEST_CASE("dcgan_train trains, resumes and hands a checkpoint to dcgan_sample" * doctest::skip(!GF_BUILT_EXAMPLES)) {
    const test::TempDir scratch("programs");
    const fs::path& dir = scratch.path();
    const fs::path data = make_image_folder(dir / "data");
    const fs::path out = dir / "run";
    const std::string common = "--dataset folder --data " + data.string() + " --channels 1 --batch-size 8 --out " +
                               out.string() + " --seed 5";

    REQUIRE(test::run_program("dcgan_train", common + " --steps 3", dir / "log1.txt") == 0);
    const std::string log1 = read_all(dir / "log1.txt");
    CHECK(log1.find("skipped 1 unreadable") != std::string::npos);
    CHECK(fs::exists(out / "checkpoint.safetensors"));
    CHECK(fs::exists(out / "samples" / "epoch_001.png"));
    CHECK(fs::exists(out / "loss_curve.png"));
    CHECK(count_lines(out / "metrics.csv") == 1 + 3);
    test::check_refuses_to_replace("dcgan_train", common + " --steps 3", out / "checkpoint.safetensors",
                                   dir / "refused.txt");

    // What a kill after the checkpoint leaves: a row the checkpoint never saw, a
    // torn row, half-written temporaries of a process that is gone.
    test::write_bytes((out / "metrics.csv").string(),
                      read_all(out / "metrics.csv") + "4,0,1,1,0.5,0.5,1,1,0,100\n5,0,1.2");
    const pid_t dead = test::pid_of_a_finished_process();
    const fs::path stale = out / test::temporary_name("checkpoint.safetensors", dead);
    const fs::path stale_sample = out / "samples" / test::temporary_name("epoch_002.png", dead);
    test::write_bytes(stale.string(), "half a checkpoint");
    test::write_bytes(stale_sample.string(), "half a png");

    // Resume to 7 steps: the metrics continue where the checkpoint stopped.
    REQUIRE(test::run_program("dcgan_train", common + " --steps 7 --resume " + (out / "checkpoint.safetensors").string(),
                dir / "log2.txt") == 0);
    const std::string log2 = read_all(dir / "log2.txt");
    CHECK(log2.find("resuming") != std::string::npos);
    GF_CHECK_CONTAINS(log2, "dropped 2 row(s) of " + (out / "metrics.csv").string());
    CHECK(metrics_steps(out / "metrics.csv") == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7});
    CHECK(!fs::exists(stale));
    CHECK(!fs::exists(stale_sample));
    CHECK(fs::exists(out / "samples" / "epoch_002.png"));  // 5 batches per epoch: step 7 is in epoch 2

    REQUIRE(test::run_program("dcgan_sample", "--checkpoint " + (out / "checkpoint.safetensors").string() + " --num 5 --out " +
                                    (dir / "samples").string(),
                dir / "log3.txt") == 0);
    CHECK(fs::exists(dir / "samples" / "sample_004.png"));
    CHECK(fs::exists(dir / "samples" / "interpolation.png"));
    CHECK(io::read_image((dir / "samples" / "grid.png").string()).size(0) == 1);

    // Bad input: a clear message and a non-zero exit, no crash.
    CHECK(test::run_program("dcgan_sample", "--checkpoint " + (data / "img_0.png").string(), dir / "log4.txt") == 1);
    CHECK(read_all(dir / "log4.txt").find("img_0.png") != std::string::npos);
    CHECK(test::run_program("dcgan_train", "--dataset folder --data " + (dir / "nowhere").string(), dir / "log5.txt") == 1);
    // An --fid-samples FID cannot use is refused before anything is written.
    // -1 is refused while the options are parsed (CLI11's exit code 105), 1 just after.
    for (const auto& [bad, code, says] : {std::tuple{"-1", 105, "--fid-samples: -1 is not in [0, 100000]"},
                                          std::tuple{"1", 1, "--fid-samples must be 0 (no FID) or at least 2, got 1"}}) {
      CHECK(test::run_program("dcgan_train", "--dataset folder --data " + data.string() + " --fid-samples " + bad +
                                                 " --out " + (dir / "bad").string(),
                              dir / "log6.txt") == code);
      GF_CHECK_CONTAINS(read_all(dir / "log6.txt"), says);
      CHECK(!fs::exists(dir / "bad"));
    }

    // --overwrite starts again over the checkpoint; --fid-samples 0 skips FID
    // (without it, the missing classifier would be reported).
    REQUIRE(test::run_program("dcgan_train", common + " --steps 2 --overwrite --fid-samples 0 --classifier " +
                                                 (dir / "none.safetensors").string(),
                              dir / "log7.txt") == 0);
    CHECK(read_all(dir / "log7.txt").find("FID") == std::string::npos);
    CHECK(metrics_steps(out / "metrics.csv") == std::vector<std::int64_t>{1, 2});
  }

  TEST_CASE("dcgan_train's defaults: batch 32 and lr 8e-4 for DCGAN-28, the paper's batch 64 and lr 1e-4 for WGAN-GP" *
            doctest::skip(!GF_BUILT_EXAMPLES)) {
    const test::TempDir scratch("programs_defaults");
    const fs::path& dir = scratch.path();
    const std::string common = "--dataset folder --data " + make_image_folder(dir / "data").string() +
                               " --channels 1 --steps 1 --fid-samples 0 --out ";
    REQUIRE(test::run_program("dcgan_train", common + (dir / "run").string(), dir / "log1.txt") == 0);
    GF_CHECK_CONTAINS(read_all(dir / "log1.txt"), "(40 images, 1 steps/epoch)");
    GF_CHECK_CONTAINS(read_all(dir / "log1.txt"), "batch 32, Adam lr 0.0008 (G) 0.0008 (D)");
    // 40 images are not one batch of WGAN-GP's 64: refused, naming the batch.
    CHECK(test::run_program("dcgan_train", common + (dir / "wgan").string() + " --loss wgan-gp", dir / "log2.txt") == 1);
    GF_CHECK_CONTAINS(read_all(dir / "log2.txt"), "fewer than one batch of 64");
    REQUIRE(test::run_program("dcgan_train", common + (dir / "wgan").string() + " --loss wgan-gp --batch-size 16 "
                                                 "--overwrite",
                              dir / "log3.txt") == 0);
    GF_CHECK_CONTAINS(read_all(dir / "log3.txt"), "batch 16, Adam lr 0.0001 (G) 0.0001 (D)");
  }

  TEST_CASE("dcgan_train --fid-every logs FID against training time and resumes the clock" *
            doctest::skip(!GF_BUILT_EXAMPLES)) {
    const test::TempDir scratch("programs_fid_every");
    const fs::path& dir = scratch.path();
    const fs::path data = make_image_folder(dir / "data");
    // An untrained classifier whose reference statistics are its features of
    // uniform noise: FID against it is finite, which is all the program needs.
    Rng g(11);
    models::FashionClassifier model(g);
    NoGradGuard no_grad;
    model.eval();
    const std::string classifier = (dir / "classifier.safetensors").string();
    models::save_classifier(classifier, model, metrics::feature_stats(model.features(rand({200, 1, 28, 28}, {}, &g))),
                            0.1);
    const fs::path out = dir / "run";
    const std::string common = "--dataset folder --data " + data.string() + " --channels 1 --batch-size 8 --seed 5 " +
                               "--out " + out.string();
    const std::string fid_flags = " --fid-samples 20 --classifier " + classifier;

    REQUIRE(test::run_program("dcgan_train", common + fid_flags + " --steps 5 --fid-every 2", dir / "log1.txt") == 0);
    CHECK(metrics_column(out / "fid.csv", "step") == std::vector<double>{2, 4, 5});  // and the last step
    const std::vector<double> seconds = metrics_column(out / "fid.csv", "train_s");
    CHECK(seconds[0] > 0.0);
    CHECK(seconds[1] > seconds[0]);
    const std::vector<double> fid = metrics_column(out / "fid.csv", "fid");
    const std::vector<double> fid_raw = metrics_column(out / "fid.csv", "fid_raw");
    for (std::size_t i = 0; i < fid.size(); ++i) {
      CHECK(std::isfinite(fid[i]));
      CHECK(fid[i] != fid_raw[i]);  // the moving average is not G's weights
    }
    CHECK(fs::exists(out / "fid_curve.png"));
    // The closing line reports the last row, not a second evaluation with other noise.
    std::ostringstream last;
    last << "FID (ganforge classifier features, 20 samples vs 200 test images): " << fid.back();
    GF_CHECK_CONTAINS(read_all(dir / "log1.txt"), last.str());

    // Resumed, the clock goes on from the checkpoint's seconds.
    REQUIRE(test::run_program("dcgan_train", common + fid_flags + " --steps 6 --fid-every 2 --resume " +
                                                 (out / "checkpoint.safetensors").string(),
                              dir / "log2.txt") == 0);
    CHECK(metrics_column(out / "fid.csv", "step") == std::vector<double>{2, 4, 5, 6});
    CHECK(metrics_column(out / "fid.csv", "train_s")[3] > seconds[2]);

    // Without a moving average both columns are the same generator.
    REQUIRE(test::run_program("dcgan_train", common + fid_flags + " --steps 2 --fid-every 2 --ema-decay 0 --overwrite",
                              dir / "log3.txt") == 0);
    CHECK(metrics_column(out / "fid.csv", "fid") == metrics_column(out / "fid.csv", "fid_raw"));

    // Asked for, FID that cannot be measured is an error before anything is replaced.
    for (const auto& [flags, says] :
         {std::pair{std::string(" --fid-every 2 --fid-samples 0"), "--fid-every needs --fid-samples > 0"},
          std::pair{" --fid-every 2 --classifier " + (dir / "none.safetensors").string(), "--fid-every: no classifier"}}) {
      CHECK(test::run_program("dcgan_train", common + " --steps 2 --overwrite" + flags, dir / "log4.txt") == 1);
      GF_CHECK_CONTAINS(read_all(dir / "log4.txt"), says);
      CHECK(metrics_column(out / "fid.csv", "step") == std::vector<double>{2});
    }
  }

  TEST_CASE("dcgan_train --loss wgan-gp and --r1 log a finite penalty and resume" * doctest::skip(!GF_BUILT_EXAMPLES)) {
    const test::TempDir scratch("programs_penalty");
    const fs::path& dir = scratch.path();
    const fs::path data = make_image_folder(dir / "data");
    const std::string common = "--dataset folder --data " + data.string() +
                               " --channels 1 --batch-size 8 --fid-samples 0 --seed 5 --out ";
    for (const auto& [name, flags] : {std::pair{"wgan-gp", " --loss wgan-gp --steps 6"},
                                      std::pair{"r1", " --r1 0.5 --r1-every 2 --steps 4"}}) {
      CAPTURE(name);
      const fs::path out = dir / name;
      REQUIRE(test::run_program("dcgan_train", common + out.string() + flags, dir / "log.txt") == 0);
      GF_CHECK_CONTAINS(read_all(dir / "log.txt"), "gradient penalty:");
      const std::vector<double> penalty = metrics_column(out / "metrics.csv", "penalty");
      const std::vector<double> loss_d = metrics_column(out / "metrics.csv", "loss_d");
      REQUIRE(!penalty.empty());
      for (std::size_t i = 0; i < penalty.size(); ++i) {
        CHECK(std::isfinite(penalty[i]));
        CHECK(std::isfinite(loss_d[i]));
      }
      CHECK(penalty[0] > 0.0);
      CHECK(fs::exists(out / "loss_curve.png"));
    }
    // The R1 run is lazy: steps 2 and 4 add no penalty. It resumes with its settings.
    CHECK(metrics_column(dir / "r1" / "metrics.csv", "penalty")[1] == 0.0);
    REQUIRE(test::run_program("dcgan_train", common + (dir / "r1").string() + " --steps 5 --resume " +
                                                 (dir / "r1" / "checkpoint.safetensors").string(),
                              dir / "log2.txt") == 0);
    CHECK(metrics_column(dir / "r1" / "metrics.csv", "penalty")[4] > 0.0);  // step 5: an R1 step
    // --gp-lambda belongs to wgan-gp.
    CHECK(test::run_program("dcgan_train", common + (dir / "bad").string() + " --gp-lambda 5 --steps 1",
                            dir / "log3.txt") == 1);
    GF_CHECK_CONTAINS(read_all(dir / "log3.txt"), "--gp-lambda needs --loss wgan-gp");
  }

  TEST_CASE("dcgan_train --diff-augment trains, says so, stores the policy, refuses unknown ones" *
            doctest::skip(!GF_BUILT_EXAMPLES)) {
    const test::TempDir scratch("programs_diff_augment");
    const fs::path& dir = scratch.path();
    const fs::path data = make_image_folder(dir / "data");
    const std::string common = "--dataset folder --data " + data.string() +
                               " --channels 1 --batch-size 8 --fid-samples 0 --seed 5 --steps 2 --out ";
    const fs::path out = dir / "augmented";
    REQUIRE(test::run_program("dcgan_train", common + out.string() + " --diff-augment translation,cutout",
                              dir / "log.txt") == 0);
    GF_CHECK_CONTAINS(read_all(dir / "log.txt"), "DiffAugment translation,cutout");
    for (double loss : metrics_column(out / "metrics.csv", "loss_d")) CHECK(std::isfinite(loss));
    CHECK(io::load_safetensors((out / "checkpoint.safetensors").string()).metadata.at("diff_augment") ==
          "translation,cutout");
    CHECK(test::run_program("dcgan_train", common + (dir / "bad").string() + " --diff-augment translation,flip",
                            dir / "log2.txt") == 1);
    GF_CHECK_CONTAINS(read_all(dir / "log2.txt"), "--diff-augment: unknown policy 'flip'");
  }

  TEST_CASE("dcgan_train stops on an exploding loss and keeps the last good checkpoint" *
            doctest::skip(!GF_BUILT_EXAMPLES)) {
    const test::TempDir scratch("nan");
    const fs::path& dir = scratch.path();
    const fs::path data = make_image_folder(dir / "data");
    // An absurd learning rate makes the weights (and then a loss) non-finite within a few steps.
    const int code = test::run_program("dcgan_train", "--dataset folder --data " + data.string() +
                                            " --channels 1 --batch-size 8 --steps 20 --lr 1e30 --out " +
                                            (dir / "run").string(),
                         dir / "log.txt");
    const std::string log = read_all(dir / "log.txt");
    CHECK(code == 2);
    CHECK(log.find("training stopped at step") != std::string::npos);
    CHECK(log.find("last good state saved") != std::string::npos);
    CHECK(fs::exists(dir / "run" / "checkpoint.safetensors"));
  }
}
