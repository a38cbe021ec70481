// Every program refuses bad options and unusable inputs before it starts
// working: a non-zero exit within seconds, and a message naming the option or
// the file, the value and what is allowed. Three kinds of check:
//   bounds      numeric options outside their range (option_bounds.hpp in examples/)
//   image size  an image below the smallest the program's network can take
//   memory      a size whose estimated memory exceeds what is available, with a hint
#include <chrono>
#include <filesystem>
#include <initializer_list>

#include "gf/models/style/adain.hpp"
#include "gf/models/style/style_net.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"
#include "program_helpers.hpp"

namespace fs = std::filesystem;
using namespace gf;

namespace {

// A refused run ends in well under a second; anything near this started work.
constexpr double kFastSeconds = 10.0;

// Files the refused runs point at: pictures of several sizes, folders of them,
// and small untrained models for the programs that load one first.
struct Inputs {
  test::TempDir scratch{"program_options"};
  fs::path dir = scratch.path();
  std::string photo = (dir / "photo.png").string();  // 64x48
  std::string dot = (dir / "dot.png").string();      // 1x1
  std::string photos = (dir / "photos").string();    // two 64x48 photos
  std::string dots = (dir / "dots").string();        // one 1x1 picture
  std::string style_net = (dir / "style_net.safetensors").string();
  std::string adain = (dir / "adain.safetensors").string();

  Inputs() {
    Rng gen(1);
    const Tensor picture = rand({3, 48, 64}, {}, &gen);
    io::write_image(photo, picture);
    io::write_image(dot, rand({3, 1, 1}, {}, &gen));
    fs::create_directories(photos);
    fs::create_directories(dots);
    for (const char* name : {"a.png", "b.png"}) io::write_image((fs::path(photos) / name).string(), picture);
    fs::copy_file(dot, fs::path(dots) / "dot.png");
    models::save_style_net(style_net, models::StyleNet({.width = 4, .residual_blocks = 1}, &gen));
    models::save_adain(adain, models::AdainNet({.width_divisor = 16}, gen));
  }
};

// Runs `program` with `args` and checks that it is refused fast, saying every
// one of `expected`.
void check_refused(const Inputs& in, const std::string& program, const std::string& args,
                   std::initializer_list<std::string> expected) {
  const fs::path log = in.dir / "log.txt";
  const auto start = std::chrono::steady_clock::now();
  const int code = test::run_program(program, args, log);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string output = test::read_bytes(log.string());
  INFO(program, " ", args, "\n", output);
  CHECK(code != 0);
  CHECK(seconds < kFastSeconds);
  for (const std::string& part : expected) GF_CHECK_CONTAINS(output, part);
}

}  // namespace

TEST_SUITE("programs") {
  TEST_CASE("numeric options out of range are refused while parsing, naming the option and the range" *
            doctest::skip(!GF_BUILT_EXAMPLES)) {
    const Inputs in;
    const std::string checkpoint = " --checkpoint " + (in.dir / "none.safetensors").string();
    check_refused(in, "dcgan_sample", checkpoint + " --interpolate 99999999999", {"--interpolate", "[0, 64]"});
    check_refused(in, "dcgan_sample", checkpoint + " --interpolate -5", {"--interpolate: -5 is not in [0, 64]"});
    check_refused(in, "dcgan_sample", checkpoint + " --num 0", {"--num: 0 is not in [1, 1024]"});

    const std::string out = " --out " + (in.dir / "run").string();
    check_refused(in, "dcgan_train", out + " --epochs -3", {"--epochs: -3 is not in [1, 100000]"});
    check_refused(in, "dcgan_train", out + " --threads -4", {"--threads: -4 is not in [0, 1024]"});
    check_refused(in, "dcgan_train", out + " --fid-samples 200000", {"--fid-samples: 200000 is not in [0, 100000]"});
    check_refused(in, "dcgan_train", out + " --lr nan", {"--lr: nan is not > 0"});
    check_refused(in, "dcgan_train", out + " --image-size 30", {"--image-size"});
    check_refused(in, "fmnist_classifier", " --epochs 0", {"--epochs: 0 is not in [1, 1000]"});
    check_refused(in, "fmnist_classifier", " --lr 0", {"--lr: 0 is not > 0"});

    const std::string stylize = "--content " + in.photo + " --style " + in.photo;
    check_refused(in, "stylize", stylize + " --steps -3", {"--steps: -3 is not in [1, 100000]"});
    check_refused(in, "stylize", stylize + " --size -5", {"--size: -5 is not in [16, 16384]"});
    check_refused(in, "stylize", stylize + " --tv-weight -1", {"--tv-weight: -1 is not >= 0"});
    check_refused(in, "stylize", stylize + " --style-weight 1 --style-weight -2", {"--style-weight: -2 is not >= 0"});

    const std::string photo_out = in.photo + " " + (in.dir / "out.png").string();
    check_refused(in, "style_apply", "--model " + in.style_net + " --size -5 " + photo_out,
                  {"--size: -5 is not in [0, 65536]"});
    check_refused(in, "style_apply", "--model " + in.style_net + " --alpha 1.5 " + photo_out,
                  {"--alpha: 1.5 is not in [0, 1]"});

    const std::string adain_apply = "--model " + in.adain + " --content " + in.photo + " --style " + in.photo;
    check_refused(in, "adain_apply", adain_apply + " --overlap -1", {"--overlap: -1 is not in [0, 32768]"});
    check_refused(in, "adain_apply", adain_apply + " --fuse-levels 0", {"--fuse-levels: 0 is not in [1, 16]"});

    const std::string style_train = "--content " + in.photos + " --style " + in.photo + out;
    check_refused(in, "style_train", style_train + " --crop 100000", {"--crop: 100000 is not in [32, 4096]"});
    check_refused(in, "style_train", style_train + " --style-size 100000",
                  {"--style-size: 100000 is not in [8, 8192]"});
    check_refused(in, "style_train", style_train + " --checkpoint-every 0", {"--checkpoint-every: 0 is not in [1, "});
    check_refused(in, "style_train", style_train + " --ssim-target 2", {"--ssim-target: 2 is not in [0, 1]"});

    const std::string adain_train = "--content " + in.photos + " --style " + in.photo + out;
    check_refused(in, "adain_train", adain_train + " --image-size 100000",
                  {"--image-size: 100000 is not in [16, 4096]"});
    check_refused(in, "adain_train", adain_train + " --image-size 20",
                  {"--image-size must be a multiple of 8, got 20"});
    check_refused(in, "adain_train", adain_train + " --width-divisor 3", {"--width-divisor"});
    check_refused(in, "adain_train", adain_train + " --checkpoint-every 0", {"--checkpoint-every: 0 is not in [1, "});

    const std::string feature_train = "--images " + in.photos + " --out " + (in.dir / "f.safetensors").string();
    check_refused(in, "feature_train", feature_train + " --crop 8", {"--crop: 8 is not in [16, 1024]"});
    check_refused(in, "feature_train", feature_train + " --crop 40", {"--crop must be a multiple of 16", "got 40"});
    check_refused(in, "feature_train", feature_train + " --width-divisor 3", {"--width-divisor"});
    check_refused(in, "feature_train", feature_train + " --max-zoom 0.5", {"--max-zoom: 0.5 is not in [1, 100]"});

    const std::string blend = "--content " + in.photo + " --stylised " + in.photo;
    check_refused(in, "blend", blend + " --sharpen-sigma 0", {"--sharpen-sigma: 0 is not > 0"});
    check_refused(in, "blend", blend + " --levels 0", {"--levels: 0 is not in [1, 16]"});
    CHECK_FALSE(fs::exists(in.dir / "run" / "checkpoint.safetensors"));
  }

  TEST_CASE("images below a program's minimum are refused naming the file, its size and the minimum" *
            doctest::skip(!GF_BUILT_EXAMPLES)) {
    const Inputs in;
    const std::string dot_is = "dot.png is 1x1, smaller than the ";
    check_refused(in, "stylize", "--content " + in.dot + " --style " + in.photo, {dot_is + "16x16 minimum"});
    check_refused(in, "stylize", "--content " + in.photo + " --style " + in.dot, {dot_is + "16x16 minimum"});
    // A panorama that --size shrinks below the minimum.
    check_refused(in, "stylize", "--content " + in.photo + " --style " + in.photo + " --size 16",
                  {"photo.png at --size 16 is 16x12, smaller than the 16x16 minimum"});
    check_refused(in, "adain_apply", "--model " + in.adain + " --content " + in.dot + " --style " + in.photo,
                  {dot_is + "16x16 minimum"});
    check_refused(in, "adain_apply", "--model " + in.adain + " --content " + in.photo + " --style " + in.dot,
                  {dot_is + "16x16 minimum"});
    check_refused(in, "style_apply", "--model " + in.style_net + " " + in.dot + " " + (in.dir / "o.png").string(),
                  {dot_is + "5x5 minimum"});
    check_refused(in, "blend", "--content " + in.dot + " --stylised " + in.photo, {dot_is + "11x11 minimum"});
    check_refused(in, "blend", "--content " + in.photo + " --stylised " + in.dot, {dot_is + "11x11 minimum"});
    check_refused(in, "image_metrics", in.dot + " " + in.dot, {dot_is + "11x11 minimum"});

    const std::string out = " --out " + (in.dir / "run").string();
    check_refused(in, "adain_train", "--content " + in.dots + " --style " + in.photo + out,
                  {"dot.png: the image is 1x1, smaller than the 16x16 minimum", "no readable image"});
    check_refused(in, "adain_train", "--content " + in.photos + " --style " + in.dot + out, {dot_is + "16x16 minimum"});
    const std::string crop = " --crop 32";  // the default 128 is larger than the test's photos
    check_refused(in, "style_train", "--content " + in.dots + " --style " + in.photo + crop + out,
                  {dot_is + "32x32 minimum (--crop 32 windows", "no readable image of at least --crop 32"});
    check_refused(in, "style_train", "--content " + in.photos + " --style " + in.dot + crop + out,
                  {dot_is + "32x32 minimum (the discriminator judges --patch-size 32"});
    // A crop larger than every photo: each is named with its size, and the option.
    check_refused(in, "style_train", "--content " + in.photos + " --style " + in.photo + " --crop 100" + out,
                  {"a.png is 64x48, smaller than the 100x100 minimum (--crop 100", "b.png is 64x48"});
    // --style-size is honoured, so a small one can leave no room for a patch.
    check_refused(in, "style_train",
                  "--content " + in.photos + " --style " + in.photo + " --style-size 20" + crop + out,
                  {"photo.png at --style-size 20 is 20x15, smaller than the 32x32 minimum"});
    CHECK_FALSE(fs::exists(in.dir / "run" / "checkpoint.safetensors"));
  }

  TEST_CASE("sizes that cannot fit in memory are refused with the estimate and a hint" *
            doctest::skip(!GF_BUILT_EXAMPLES)) {
    const Inputs in;
    const std::string photo_out = in.photo + " " + (in.dir / "out.png").string();
    check_refused(in, "style_apply", "--model " + in.style_net + " --size 65536 " + photo_out,
                  {"photo.png at 65536x49152 in one pass needs about", "are available; use --tile 512"});
    check_refused(in, "style_apply", "--model " + in.style_net + " --size 65536 --tile 512 " + photo_out,
                  {"in tiles of 512 needs about", "use a smaller --size"});
    check_refused(in, "style_apply", "--model " + in.style_net + " --memory-limit-mb 0.1 " + photo_out,
                  {"needs about", "97.7 KiB are available"});
    check_refused(in, "stylize", "--content " + in.photo + " --style " + in.photo + " --size 16384",
                  {"patch-gan at 16384x12288", "needs about", "use a smaller --size or --style-size"});
    check_refused(in, "stylize", "--content " + in.photo + " --style " + in.photo + " --style-size 16384",
                  {"style image(s) of longest side 16384 needs about"});
    check_refused(
        in, "adain_apply",
        "--model " + in.adain + " --content " + in.photo + " --style " + in.photo + " --style-size 65536",
        {"with a 65536x49152 style image needs about", "use --tile 512 (or a smaller --size or --style-size)"});
    check_refused(in, "adain_train",
                  "--content " + in.photos + " --style " + in.photo + " --image-size 4096 " +
                      "--batch-size 256 --out " + (in.dir / "run").string(),
                  {"training on 256 crops of 4096x4096 at width divisor 4 needs about",
                   "use a smaller --image-size or --batch-size"});
    check_refused(in, "feature_train",
                  "--images " + in.photos + " --crop 1024 --batch-size 1024 --out " + (in.dir / "f.safetensors").string(),
                  {"training on 1024 crops of 1024x1024 in 4 turns at width divisor 4 needs about",
                   "use a smaller --crop or --batch-size"});
    check_refused(
        in, "style_train",
        "--content " + in.photos + " --style " + in.photo + " --crop 4096 " +
            "--patch-size 32 --batch-size 256 --out " + (in.dir / "run").string(),
        {"training on 256 crops of 4096x4096 at width 32 needs about", "use a smaller --crop or --batch-size"});
  }
}
