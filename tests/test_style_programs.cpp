// style_train and style_apply end to end on tiny generated images: training
// writes the network, samples and a checkpoint, resumes from it, and
// style_apply stylises in one pass, by tiles and with pyramid fusion, and puts
// the photo's detail back where a network clipped to black; bad input gets a
// clear message and exit code 1.
#include <filesystem>

#include "helpers.hpp"
#include "io_helpers.hpp"
#include "program_helpers.hpp"
#include "gf/metrics/flat_regions.hpp"
#include "gf/models/style/style_net.hpp"

namespace fs = std::filesystem;
using namespace gf;

namespace {

// Smooth random colour pictures (3, h, w): noise blurred by upsampling.
Tensor picture(std::int64_t h, std::int64_t w, Rng& g) {
  return clamp(upsample2d(rand({1, 3, h / 4, w / 4}, {}, &g), 4, UpsampleMode::kBilinear), 0.0, 1.0).select(0, 0);
}

// A checkerboard of 2 x 2 squares, 0 and 1, (1, side, side).
Tensor checkerboard(std::int64_t side) {
  std::vector<float> v(static_cast<std::size_t>(side * side));
  for (std::int64_t y = 0; y < side; ++y)
    for (std::int64_t x = 0; x < side; ++x) v[static_cast<std::size_t>(y * side + x)] = static_cast<float>((y / 2 + x / 2) % 2);
  return from_vector<float>(v, {1, side, side});
}

}  // namespace

TEST_SUITE("programs") {
  TEST_CASE("style_train trains and resumes; style_apply stylises whole, by tiles and fused" *
            doctest::skip(!GF_BUILT_EXAMPLES)) {
    const test::TempDir scratch("style_programs");
    const fs::path& dir = scratch.path();
    Rng g(8);
    fs::create_directories(dir / "content");
    for (int i = 0; i < 4; ++i) io::write_image((dir / "content" / ("c" + std::to_string(i) + ".png")).string(), picture(48, 64, g));
    test::write_bytes((dir / "content" / "broken.jpg").string(), "not a jpeg");
    // The style: smooth colours under a fine checkerboard, a texture the smooth photos below lack.
    const Tensor checks = mul(sub(checkerboard(48), 0.5), 0.3);
    io::write_image((dir / "style.png").string(), clamp(add(picture(48, 48, g), checks), 0.0, 1.0));
    io::write_image((dir / "flat.png").string(), full({3, 40, 72}, 0.5));
    io::write_image((dir / "photo.png").string(), picture(40, 72, g));

    const fs::path out = dir / "run";
    const std::string common = "--content " + (dir / "content").string() + " --style " + (dir / "style.png").string() +
                               " --out " + out.string() +
                               " --crop 32 --batch-size 2 --width 4 --residual-blocks 1 --patch-size 16 --patches 4"
                               " --sample-every 2 --checkpoint-every 2 --threads 1";
    REQUIRE(test::run_program("style_train", common + " --steps 2", dir / "train1.txt") == 0);
    CHECK(test::read_bytes((dir / "train1.txt").string()).find("skipped 1 unreadable") != std::string::npos);
    CHECK(fs::exists(out / "style_net.safetensors"));
    CHECK(fs::exists(out / "samples" / "step_000002.png"));
    REQUIRE(test::run_program("style_train", common + " --steps 3 --resume " + (out / "checkpoint.safetensors").string(),
                              dir / "train2.txt") == 0);
    CHECK(test::read_bytes((dir / "train2.txt").string()).find("resuming") != std::string::npos);
    test::check_refuses_to_replace("style_train", common + " --steps 3", out / "checkpoint.safetensors",
                                   dir / "refused.txt");
    // A checkpoint whose metadata claims a far wider network than its weights fill.
    io::SafetensorsFile forged = io::load_safetensors((out / "checkpoint.safetensors").string());
    forged.metadata["width"] = "200";
    io::save_safetensors((dir / "forged.safetensors").string(),
                         io::NamedTensors(forged.tensors.begin(), forged.tensors.end()), forged.metadata);
    CHECK(test::run_program("style_train", common + " --steps 3 --resume " + (dir / "forged.safetensors").string(),
                            dir / "forged.txt") == 1);
    GF_CHECK_CONTAINS(test::read_bytes((dir / "forged.txt").string()),
                      "(width 200, 1 residual blocks) describes more weights than the file holds");

    const std::string model = "--threads 1 --model " + (out / "style_net.safetensors").string() + " ";
    const std::string photo = (dir / "photo.png").string();
    REQUIRE(test::run_program("style_apply", model + photo + " " + (dir / "one.png").string(), dir / "a1.txt") == 0);
    const Tensor one = io::read_image((dir / "one.png").string());
    CHECK(one.shape() == Shape{3, 40, 72});
    REQUIRE(test::run_program("style_apply", model + "--tile 32 --overlap 12 " + photo + " " + (dir / "tiled.jpg").string(),
                              dir / "a2.txt") == 0);
    CHECK(io::read_image((dir / "tiled.jpg").string()).shape() == Shape{3, 40, 72});
    REQUIRE(test::run_program("style_apply", model + "--fuse pyramid --levels 3 --size 36 " + photo + " " +
                                                 (dir / "fused.png").string(),
                              dir / "a3.txt") == 0);
    CHECK(io::read_image((dir / "fused.png").string()).shape() == Shape{3, 20, 36});

    // A network forged to clip everything to black (its style mean far below 0):
    // by default the photo's detail comes back, --no-clipped-detail leaves the black.
    io::SafetensorsFile dark = io::load_safetensors((out / "style_net.safetensors").string());
    dark.tensors.at("recolour_mean") = full({3}, -5.0);
    io::save_safetensors((dir / "dark.safetensors").string(), io::NamedTensors(dark.tensors.begin(), dark.tensors.end()),
                         dark.metadata);
    const std::string dark_model = "--threads 1 --model " + (dir / "dark.safetensors").string() + " ";
    REQUIRE(test::run_program("style_apply", dark_model + "--style-texture 0 --no-clipped-detail " + photo + " " +
                                                 (dir / "black.png").string(),
                              dir / "a4.txt") == 0);
    REQUIRE(test::run_program("style_apply", dark_model + "--style-texture 0 " + photo + " " + (dir / "restored.png").string(),
                              dir / "a5.txt") == 0);
    const Tensor black = io::read_image((dir / "black.png").string()), restored = io::read_image((dir / "restored.png").string());
    CHECK(max(black).item() == 0.0);
    CHECK(metrics::flat_saturated_fraction(black) == 1.0);
    CHECK(metrics::flat_saturated_fraction(restored) < 0.2);
    CHECK(max(restored).item() > 0.05);

    // The model holds the style picture it was trained on, and by default the result's smooth regions take its
    // texture: --style-texture 0 gives the network's output; so does a model without the picture (older ones),
    // with a note, unless --style brings the picture.
    REQUIRE(models::load_style_picture((out / "style_net.safetensors").string()).defined());
    const std::string flat = (dir / "flat.png").string();
    REQUIRE(test::run_program("style_apply", model + flat + " " + (dir / "textured.png").string(), dir / "a6.txt") == 0);
    REQUIRE(test::run_program("style_apply", model + "--style-texture 0 " + flat + " " + (dir / "plain.png").string(),
                              dir / "a6.txt") == 0);
    const Tensor plain = io::read_image((dir / "plain.png").string());
    CHECK(max(abs(sub(io::read_image((dir / "textured.png").string()), plain))).item() > 0.02);
    io::SafetensorsFile bare = io::load_safetensors((out / "style_net.safetensors").string());
    bare.tensors.erase("style_picture");
    io::save_safetensors((dir / "bare.safetensors").string(), io::NamedTensors(bare.tensors.begin(), bare.tensors.end()),
                         bare.metadata);
    const std::string bare_model = "--threads 1 --model " + (dir / "bare.safetensors").string() + " ";
    REQUIRE(test::run_program("style_apply", bare_model + flat + " " + (dir / "bare.png").string(), dir / "a7.txt") == 0);
    GF_CHECK_CONTAINS(test::read_bytes((dir / "a7.txt").string()), "holds no style picture");
    GF_CHECK_CLOSE(io::read_image((dir / "bare.png").string()), plain, 0, 0);
    REQUIRE(test::run_program("style_apply", bare_model + "--style " + (dir / "style.png").string() + " " + flat + " " +
                                                 (dir / "given.png").string(),
                              dir / "a8.txt") == 0);
    CHECK(max(abs(sub(io::read_image((dir / "given.png").string()), plain))).item() > 0.02);

    // Errors: no model file, a file that is not a model, an unreadable photo, too big without --tile.
    const auto fails_with = [&](const std::string& args, const std::string& expected) {
      const fs::path log = dir / "err.txt";
      CHECK(test::run_program("style_apply", args, log) == 1);
      const std::string text = test::read_bytes(log.string());
      CHECK_MESSAGE(text.find(expected) != std::string::npos, text);
    };
    fails_with("--model " + (dir / "none.safetensors").string() + " " + photo + " x.png", "no such file");
    fails_with("--model " + photo + " " + photo + " x.png", "photo.png");
    fails_with(model + (dir / "content" / "broken.jpg").string() + " x.png", "broken.jpg");
    fails_with(model + "--memory-limit-mb 0.01 " + photo + " x.png", "--tile");

    // --overwrite starts a new run over the checkpoint.
    REQUIRE(test::run_program("style_train", common + " --steps 1 --overwrite", dir / "train3.txt") == 0);
    CHECK(io::load_safetensors((out / "checkpoint.safetensors").string()).metadata.at("step") == "1");
  }
}
