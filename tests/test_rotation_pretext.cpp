// The rotation pretext (Gidaris et al. 2018): its batches against the
// definition, which parameters it teaches, that it learns a turn on pictures
// with an up and a down, and feature_train's weights file used by adain_train.
#include <filesystem>

#include "gf/data/transforms.hpp"
#include "gf/io/image.hpp"
#include "gf/metrics/accuracy.hpp"
#include "gf/models/style/adain.hpp"
#include "gf/models/style/rotation_pretext.hpp"
#include "gf/ops/loss.hpp"
#include "gf/optim/adam.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"
#include "program_helpers.hpp"

namespace fs = std::filesystem;
using namespace gf;
using models::RotationPretext;

namespace {

// (3, S, S) pictures with an up and a down: bright sky over dark ground with
// a noisy horizon somewhere in the middle, and a little noise everywhere.
Tensor upright_picture(std::int64_t side, Rng& gen) {
  const Tensor noise = rand({3, side, side}, {}, &gen) * 0.2;
  const auto horizon = static_cast<std::int64_t>(side / 3 + static_cast<std::int64_t>(gen.below(side / 3)));
  std::vector<float> v(static_cast<std::size_t>(3 * side * side));
  for (std::int64_t c = 0; c < 3; ++c)
    for (std::int64_t y = 0; y < side; ++y)
      for (std::int64_t x = 0; x < side; ++x)
        v[static_cast<std::size_t>((c * side + y) * side + x)] = y < horizon ? 0.7f + 0.05f * c : 0.15f;
  return clamp(add(from_vector<float>(v, {3, side, side}), noise), 0.0, 1.0);
}

std::vector<Tensor> upright_pictures(std::int64_t n, std::int64_t side, Rng& gen) {
  std::vector<Tensor> pictures;
  for (std::int64_t i = 0; i < n; ++i) pictures.push_back(upright_picture(side, gen));
  return pictures;
}

}  // namespace

TEST_SUITE("rotation pretext") {
  TEST_CASE("quarter_turn_batch: every crop in its four turns, labelled by the turn") {
    Rng gen(1);
    const std::vector<Tensor> crops = {rand({3, 4, 4}, {}, &gen), rand({3, 4, 4}, {}, &gen)};
    const models::QuarterTurnBatch batch = models::quarter_turn_batch(crops);
    CHECK(batch.images.shape() == Shape{8, 3, 4, 4});
    CHECK(batch.labels.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1, 2, 3, 0, 1, 2, 3});
    for (std::int64_t i = 0; i < 2; ++i)
      for (int k = 0; k < 4; ++k) {
        CAPTURE(i);
        CAPTURE(k);
        GF_CHECK_CLOSE(batch.images.select(0, 4 * i + k), data::rotate90(crops[static_cast<std::size_t>(i)], k), 0, 0);
      }
    CHECK_THROWS_WITH_AS(models::quarter_turn_batch({zeros({3, 4, 5})}),
                         "quarter_turn_batch: crops must be square (C, S, S), got (3, 4, 5)", Error);
  }

  TEST_CASE("the network: shapes, the parameters it teaches, clear errors") {
    Rng gen(2);
    RotationPretext pretext({.width_divisor = 16}, gen);
    CHECK(pretext(rand({5, 3, 16, 16}, {}, &gen)).shape() == Shape{5, 4});
    CHECK(pretext(rand({1, 3, 32, 32}, {}, &gen)).shape() == Shape{1, 4});
    // The nine convolutions conv1_1 ... conv4_1 (weight and bias each) and the head's two.
    const std::vector<Tensor> taught = pretext.trained_parameters();
    CHECK(taught.size() == 20);
    CHECK(taught.front().is_same(pretext.head->weight));
    CHECK(taught.back().is_same(pretext.vgg->features->at<nn::Conv2d>(19)->bias));
    CHECK_THROWS_WITH_AS(pretext(zeros({1, 3, 24, 24})), doctest::Contains("S a multiple of 16, got (1, 3, 24, 24)"),
                         Error);
    CHECK_THROWS_WITH_AS(RotationPretext({.width_divisor = 3}, gen),
                         "RotationPretextConfig: width_divisor must divide 64, got 3", Error);
  }

  TEST_CASE("it learns which way is up on pictures that have one") {
    Rng gen(3);
    RotationPretext pretext({.width_divisor = 16}, gen);
    optim::Adam adam(pretext.trained_parameters(), {.lr = 2e-3});
    Rng data(4);
    const models::QuarterTurnBatch test_batch = models::quarter_turn_batch(upright_pictures(16, 16, data));
    const auto test_accuracy = [&] {
      NoGradGuard no_grad;
      return metrics::accuracy(pretext(test_batch.images), test_batch.labels);
    };
    const double before = test_accuracy();
    for (int step = 0; step < 60; ++step) {
      const models::QuarterTurnBatch batch = models::quarter_turn_batch(upright_pictures(8, 16, data));
      const Tensor loss = cross_entropy(pretext(batch.images), batch.labels);
      adam.zero_grad();
      loss.backward();
      adam.step();
    }
    const double after = test_accuracy();
    CAPTURE(before);
    CHECK(after >= 0.9);  // chance is 0.25; an untrained network guesses about that
    CHECK(before <= 0.5);
  }
}

TEST_SUITE("programs") {
  TEST_CASE("feature_train writes VGG-19 weights that adain_train, stylize and image_metrics take at their width" *
            doctest::skip(!GF_BUILT_EXAMPLES)) {
    const test::TempDir scratch("feature_train");
    const fs::path& dir = scratch.path();
    fs::create_directories(dir / "photos");
    fs::create_directories(dir / "val");
    Rng gen(5);
    for (int i = 0; i < 3; ++i)
      io::write_image((dir / "photos" / ("p" + std::to_string(i) + ".png")).string(), upright_picture(40, gen));
    io::write_image((dir / "val" / "v.png").string(), upright_picture(36, gen));
    io::write_image((dir / "photos" / "tiny.png").string(), upright_picture(8, gen));
    const std::string weights = (dir / "features.safetensors").string();
    const std::string common = "--images " + (dir / "photos").string() + " --width-divisor 16 --threads 1";

    REQUIRE(test::run_program("feature_train", common + " --crop 16 --steps 3 --save-every 2 --val " + (dir / "val").string() +
                                                   " --out " + weights,
                              dir / "train.txt") == 0);
    const std::string log = test::read_bytes((dir / "train.txt").string());
    GF_CHECK_CONTAINS(log, "tiny.png: the image is 8x8, smaller than the 16x16 minimum (crops of --crop pixels");
    GF_CHECK_CONTAINS(log, "step 2: training accuracy");
    GF_CHECK_CONTAINS(log, "validation");
    CHECK(models::inspect_vgg19_weights(weights).width_divisor == 16);
    const io::SafetensorsFile file = io::load_safetensors(weights);
    CHECK(file.metadata.at("steps") == "3");
    CHECK(file.metadata.at("trained_on") == "p0.png, p1.png, p2.png");
    CHECK(file.metadata.count("val_accuracy") == 1);

    // adain_train reads the width from the file, and its encoder is the file's.
    fs::create_directories(dir / "styles");
    io::write_image((dir / "styles" / "s.png").string(), upright_picture(32, gen));
    const fs::path out = dir / "adain";
    REQUIRE(test::run_program("adain_train", "--content " + (dir / "photos").string() + " --style " +
                                                 (dir / "styles").string() + " --vgg-weights " + weights +
                                                 " --steps 1 --batch-size 1 --image-size 16 --threads 1 --out " +
                                                 out.string(),
                              dir / "adain.txt") == 0);
    GF_CHECK_CONTAINS(test::read_bytes((dir / "adain.txt").string()),
                      "encoder VGG-19 taught by feature_train (features.safetensors) to relu4_1, width divisor 16");
    const models::AdainCheckpoint model = models::load_adain((out / "checkpoint.safetensors").string());
    GF_CHECK_CLOSE(model.net->encoder->at<nn::Conv2d>(19)->weight, file.tensors.at("features.19.weight"), 0, 0);
    // A --width-divisor the file contradicts is refused, naming both.
    CHECK(test::run_program("adain_train", "--content " + (dir / "photos").string() + " --style " +
                                               (dir / "styles").string() + " --vgg-weights " + weights +
                                               " --width-divisor 8 --steps 1 --out " + (dir / "adain8").string(),
                            dir / "adain8.txt") != 0);
    GF_CHECK_CONTAINS(test::read_bytes((dir / "adain8.txt").string()),
                      "--width-divisor 8: " + weights + " holds a VGG-19 at width divisor 16");

    // stylize's Gatys method and image_metrics' perceptual distance build their VGG at the file's width too.
    const std::string photo = (dir / "photos" / "p0.png").string();
    REQUIRE(test::run_program("stylize", "--method gatys --content " + photo + " --style " +
                                             (dir / "styles" / "s.png").string() + " --vgg-weights " + weights +
                                             " --steps 2 --size 32 --out " + (dir / "g.png").string(),
                              dir / "gatys.txt") == 0);
    GF_CHECK_CONTAINS(test::read_bytes((dir / "gatys.txt").string()),
                      "feature network: VGG-19 taught by feature_train (features.safetensors)");
    REQUIRE(test::run_program("image_metrics", photo + " " + photo + " --vgg-weights " + weights, dir / "m.txt") == 0);
    GF_CHECK_CONTAINS(test::read_bytes((dir / "m.txt").string()), "perceptual distance (VGG-19)");

    // Errors name the problem.
    CHECK(test::run_program("feature_train", common + " --crop 24 --out " + weights, dir / "err.txt") == 1);
    GF_CHECK_CONTAINS(test::read_bytes((dir / "err.txt").string()), "--crop must be a multiple of 16");
    CHECK(test::run_program("feature_train", "--images " + (dir / "styles").string() + " --crop 64 --out " + weights,
                            dir / "err.txt") == 1);
    GF_CHECK_CONTAINS(test::read_bytes((dir / "err.txt").string()), "smaller than the 64x64 minimum");
    GF_CHECK_CONTAINS(test::read_bytes((dir / "err.txt").string()), "feature_train: ImageFolder: no readable image");
  }
}
