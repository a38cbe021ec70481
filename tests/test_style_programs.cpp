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

namespace fs = std::filesystem;
using namespace gf;

namespace {

// Smooth random colour pictures (3, h, w): noise blurred by upsampling.
Tensor picture(std::int64_t h, std::int64_t w, Rng& g) {
  return clamp(upsample2d(rand({1, 3, h / 4, w / 4}, {}, &g), 4, UpsampleMode::kBilinear), 0.0, 1.0).select(0, 0);
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
    io::write_image((dir / "style.png").string(), picture(48, 48, g));
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
    REQUIRE(test::run_program("style_apply", dark_model + "--no-clipped-detail " + photo + " " + (dir / "black.png").string(),
                              dir / "a4.txt") == 0);
    REQUIRE(test::run_program("style_apply", dark_model + photo + " " + (dir / "restored.png").string(), dir / "a5.txt") == 0);
    const Tensor black = io::read_image((dir / "black.png").string()), restored = io::read_image((dir / "restored.png").string());
    CHECK(max(black).item() == 0.0);
    CHECK(metrics::flat_saturated_fraction(black) == 1.0);
    CHECK(metrics::flat_saturated_fraction(restored) < 0.2);
    CHECK(max(restored).item() > 0.05);

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
