// adain_train: trains the decoder of an AdaIN network (Huang & Belongie 2017),
// which then stylises any photo with any style image (adain_apply).
//
// The algorithm, one step:
//   c = a batch of random crops of content photos, s = random crops of style images
//   t = AdaIN(f(c), f(s))              f = VGG-19 up to relu4_1, fixed (no gradients)
//   L = L_c + lambda L_s + mu L_col    L_c = mean (f(g(t)) - t)^2
//                                      L_s = sum over relu1_1..relu4_1 of the squared gaps
//                                            of per-channel means and standard deviations
//                                      L_col = the same gaps on the output's and the style's pixels
//   Adam step on the decoder g only
// With --fusion attention, t = SA(f(c), f(s)), a style-attention module
// (gf/models/style/style_attention.hpp) trained with g, and L_c compares the
// normalised features of g(t) and c (t is learned, so it is no target).
// (gf::models::adain_losses in src/models/style/adain.cpp). This file is the program
// around it: data, progress, sample pictures, checkpoints, resume.
//
// The encoder: pretrained VGG-19 with --vgg-weights (the paper's network), else
// VGG-19's random initialisation, narrowed by --width-divisor so a CPU trains it
// in minutes. With random features the model transfers per-channel feature
// statistics: the style's palette and some of its texture energy, weak shapes.
//
// Everything goes to --out:
//   samples/step_NNNNNN.png   first row: the styles; then per content photo: the
//                             photo and its stylisations with each style
//   checkpoint.safetensors    the network (encoder included) and Adam's state:
//                             adain_apply --model takes it; --resume continues it,
//                             and only --overwrite replaces it with a new run
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>

#include "gf/gf.hpp"
#include "gf/models/style/adain.hpp"
#include "gf/models/style/vgg.hpp"
#include "option_bounds.hpp"

namespace fs = std::filesystem;
using namespace gf;

namespace {

constexpr double kStyleScale = 1.5;         // style images: shorter side 1.5x the crop size, then random crops
constexpr double kMaxZoom = 3.0;            // content photos: shorter side 1x to 3x the crop size, then a random crop
constexpr std::int64_t kSampleImages = 3;   // contents and styles shown in the sample grids
constexpr std::int64_t kDivisorOffline = 4; // default width divisor without pretrained weights
// The smallest content photo and style image: the encoder halves its input
// three times on the way to relu4_1, where AdaIN needs 2x2 features for a
// standard deviation.
constexpr std::int64_t kMinSide = 16;
constexpr const char* kMinSideWhy = "the encoder halves it three times to relu4_1, where AdaIN needs 2x2 features";
// Memory of one training step per pixel of the content crops at width divisor
// 1, divided by the divisor: VGG-19 to relu4_1 on the output and the decoder,
// with their gradients and the convolutions' im2col buffers. The peak resident
// memory grew by 5.2 kB per crop pixel at divisor 1 and by 1.6 kB at divisor 4
// (crops of 64 to 256, batch 4); rounded up.
constexpr double kTrainBytesPerPixel = 8e3;

struct Options {
  std::string content;
  std::vector<std::string> styles;
  std::int64_t steps = 800;
  std::int64_t batch_size = 4;
  std::int64_t image_size = 128;
  double lr = 1e-3;
  double style_weight = 1.0;  // the paper uses 10 with pretrained VGG-19
  double colour_weight = 100.0;
  std::int64_t width_divisor = 0;  // 0: the --vgg-weights file's, else kDivisorOffline
  std::string vgg_weights;
  std::string out = "runs/adain";
  std::string head = "recolour";
  std::string fusion = "adain";
  std::string resume;
  bool overwrite = false;
  std::int64_t sample_every = 250;
  std::int64_t checkpoint_every = 250;
  std::uint64_t seed = 1;
  std::string device = "cpu";
  int threads = 0;
};

// Every style image named by --style (files, or folders of images), resized
// once so its shorter side is `side`: styles are few, so they stay in memory.
std::vector<Tensor> load_styles(const std::vector<std::string>& paths, std::int64_t side) {
  std::vector<Tensor> styles;
  for (const std::string& p : paths) {
    if (fs::is_directory(p)) {
      const data::ImageFolder folder(p, {.channels = 3, .min_side = kMinSide, .min_side_why = kMinSideWhy});
      for (const auto& s : folder.skipped()) std::cerr << "adain_train: skipped " << s.path << ": " << s.reason << "\n";
      for (std::int64_t i = 0; i < folder.size(); ++i) styles.push_back(data::resize_shorter(folder.get(i).image, side));
    } else {
      const Tensor style = io::read_image(p, 3);  // names the file when unreadable
      io::check_min_size(style.size(1), style.size(2), p, kMinSide, kMinSideWhy);
      styles.push_back(data::resize_shorter(style, side));
    }
  }
  return styles;
}

// A batch of random crops (B, 3, size, size) of the style images, drawn from `gen`.
Tensor style_batch(const std::vector<Tensor>& styles, std::int64_t batch, std::int64_t size, Rng& gen) {
  std::vector<Tensor> crops;
  for (std::int64_t b = 0; b < batch; ++b) {
    const Tensor& s = styles[gen.below(styles.size())];
    crops.push_back(data::random_horizontal_flip(data::random_crop(s, size, size, 0, gen), 0.5, gen));
  }
  return stack(crops, 0);
}

// The sample grid: a blank tile and the styles, then each content with its stylisations.
void save_samples(models::AdainNet& net, const Tensor& contents, const Tensor& styles, const fs::path& path) {
  const std::int64_t cols = styles.size(0) + 1;
  std::vector<Tensor> tiles{ones({1, 3, contents.size(2), contents.size(3)}, {DType::kFloat32, contents.device()})};
  for (std::int64_t j = 0; j < styles.size(0); ++j) tiles.push_back(styles.narrow(0, j, 1));
  for (std::int64_t i = 0; i < contents.size(0); ++i) {
    const Tensor c = contents.narrow(0, i, 1);
    tiles.push_back(c);
    for (std::int64_t j = 0; j < styles.size(0); ++j) tiles.push_back(net.stylize(c, {styles.narrow(0, j, 1)}));
  }
  io::save_image_grid(path.string(), cat(tiles, 0).to(Device::cpu()), cols);
}

std::string zero_padded(std::int64_t v) {
  std::string s = std::to_string(v);
  return std::string(s.size() < 6 ? 6 - s.size() : 0, '0') + s;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "Train an AdaIN style-transfer decoder (Huang & Belongie 2017) on a folder of content photos and one or more "
      "style images; adain_apply then stylises any photo with any style.\n"
      "With --vgg-weights (pretrained VGG-19 in torchvision's names, see docs/style-transfer.md) the encoder is the "
      "paper's: expect the style's brush strokes, textures and colours. Without them (offline) the encoder is a "
      "randomly initialised VGG-19 (narrowed by --width-divisor): with the default recolour head the output is the "
      "photo recoloured to the style's pixel statistics plus what the decoder learns, so expect the style's palette "
      "over the whole photo and none of its shapes (adain_apply then adds the style picture's own texture to the "
      "result's smooth regions by default). Measured with the defaults on 6 training styles, applied to "
      "photos and styles never seen (docs/style-transfer.md, held-out evaluation, 2026-12-07): luminance SSIM to the "
      "photo 0.82 (worst 0.68) and colour distance to the style 0.041 (worst 0.063) at --alpha 1, the photo itself at "
      "--alpha 0; --fusion attention gave the same figures. The defaults train in about 3 minutes on 2 cores. Train on several styles (a folder) to apply to styles "
      "never seen. The default --style-weight 1 keeps more of the photo than the paper's 10 with a random encoder. On "
      "a busy machine set OMP_WAIT_POLICY=passive."};
  app.add_option("--content", o.content, "folder of content photos (searched recursively)")->required();
  app.add_option("--style", o.styles, "style image or folder of style images (repeat for several)")->required();
  app.add_option("--steps", o.steps, "training steps (iterations) in total")
      ->check(cli::in_range(1, 10000000))
      ->capture_default_str();
  app.add_option("--batch-size", o.batch_size, "content/style pairs per step")
      ->check(cli::in_range(1, 256))
      ->capture_default_str();
  app.add_option("--image-size", o.image_size, "side of the square training crops, a multiple of 8")
      ->check(cli::in_range(kMinSide, std::int64_t{4096}))
      ->capture_default_str();
  app.add_option("--lr", o.lr, "Adam learning rate of the decoder")->check(cli::positive())->capture_default_str();
  app.add_option("--style-weight", o.style_weight,
                 "lambda, weight of the style (mean/std) loss (the paper: 10, with pretrained VGG-19)")
      ->check(cli::non_negative())
      ->capture_default_str();
  app.add_option("--color-weight", o.colour_weight,
                 "weight of the colour loss: the output's per-channel pixel mean and std against the style's (keeps "
                 "the decoded texture from shifting the palette)")
      ->check(cli::non_negative())
      ->capture_default_str();
  app.add_option("--width-divisor", o.width_divisor,
                 "divide every VGG/decoder width by this (1, 2, 4, ... 64); default: the width of the --vgg-weights file "
                 "(1 for torchvision's), else 4")
      ->check(CLI::IsMember({0, 1, 2, 4, 8, 16, 32, 64}));
  app.add_option("--vgg-weights", o.vgg_weights,
                 "VGG-19 features as safetensors (torchvision names) for the encoder: torchvision's pretrained ones, or "
                 "a narrower network feature_train taught on your photos");
  app.add_option("--head", o.head,
                 "recolour: the photo in the style's colours plus the decoded texture (alpha 0 is the photo); decoder: "
                 "the paper's, the whole picture from the decoder")
      ->check(CLI::IsMember({"recolour", "decoder"}))
      ->capture_default_str();
  app.add_option("--fusion", o.fusion,
                 "adain: the content's features take the style's statistics; attention: a trained attention lets each "
                 "position take the features of the style positions that resemble it (Park & Lee 2019)")
      ->check(CLI::IsMember({"adain", "attention"}))
      ->capture_default_str();
  app.add_option("--out", o.out, "output directory")->capture_default_str();
  app.add_option("--resume", o.resume, "checkpoint to continue from (its network and Adam state win)");
  app.add_flag("--overwrite", o.overwrite, "start a new run even if --out holds an earlier run's checkpoint, replacing it");
  app.add_option("--sample-every", o.sample_every, "save a sample grid every N steps (0: only at the end)")
      ->check(cli::in_range(0, 10000000))
      ->capture_default_str();
  app.add_option("--checkpoint-every", o.checkpoint_every, "save the checkpoint every N steps (and at the end)")
      ->check(cli::in_range(1, 10000000))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed for the weights, crops and shuffling")->capture_default_str();
  app.add_option("--device", o.device, "cpu, cuda or cuda:N (needs ganforge built with CUDA)")->capture_default_str();
  app.add_option("--threads", o.threads, "CPU threads (0: all cores)")->check(cli::in_range(0, 1024));
  CLI11_PARSE(app, argc, argv);

  const fs::path out(o.out);
  const fs::path checkpoint = out / "checkpoint.safetensors";
  try {
    const auto start = std::chrono::steady_clock::now();
    if (o.threads > 0) set_num_threads(o.threads);
    const Device device = Device::parse(o.device);
    empty({1}, {DType::kFloat32, device});  // a missing GPU is reported now, naming the device
    GF_CHECK(o.image_size % 8 == 0, "--image-size must be a multiple of 8, got ", o.image_size);
    io::prepare_run_directory(o.out, !o.resume.empty() || o.overwrite);
    const std::int64_t style_side = std::llround(kStyleScale * static_cast<double>(o.image_size));

    // ---- model ------------------------------------------------------------------
    std::shared_ptr<models::AdainNet> net;
    std::map<std::string, Tensor> adam_state;
    std::int64_t step = 0;
    std::string encoder;
    if (!o.resume.empty()) {
      models::AdainCheckpoint ck = models::load_adain(o.resume);
      net = ck.net;
      adam_state = ck.optimizer;
      step = io::metadata_number<std::int64_t>(ck.metadata, "step", o.resume).value_or(0);
      encoder = ck.metadata.count("encoder") ? ck.metadata.at("encoder") : "from " + o.resume;
      if (!o.vgg_weights.empty()) std::cout << "note: --vgg-weights ignored, the encoder comes from " << o.resume << "\n";
      if (app.count("--fusion") > 0 && models::parse_fusion(o.fusion) != net->config.fusion)
        std::cout << "note: --fusion ignored, " << o.resume << " has " << models::fusion_name(net->config.fusion)
                  << " fusion\n";
    } else {
      // The weights file is read once: its width sets the network's unless --width-divisor names one.
      const std::optional<models::LoadedVgg19> weights =
          o.vgg_weights.empty() ? std::nullopt : std::optional(models::load_vgg19(o.vgg_weights));
      const std::int64_t divisor = o.width_divisor > 0 ? o.width_divisor
                                   : weights           ? weights->info.width_divisor
                                                       : kDivisorOffline;
      GF_CHECK(!weights || divisor == weights->info.width_divisor, "--width-divisor ", divisor, ": ", o.vgg_weights,
               " holds a VGG-19 at width divisor ", weights->info.width_divisor, " (leave --width-divisor out)");
      Rng gen(o.seed);
      net = std::make_shared<models::AdainNet>(
          models::AdainConfig{.width_divisor = divisor, .recolour = o.head == "recolour",
                              .fusion = models::parse_fusion(o.fusion)},
          gen);
      if (o.vgg_weights.empty()) {
        encoder = "random VGG-19 (seed " + std::to_string(o.seed) + ")";
      } else {
        net->load_vgg_weights(*weights->vgg);
        encoder = weights->info.description;
      }
    }
    net->to(device);
    net->freeze_encoder();  // to() makes every parameter trainable again
    optim::Adam adam(net->trainable_parameters(), {.lr = o.lr});
    if (!adam_state.empty()) adam.load_state_dict(adam_state);
    check_memory_budget(kTrainBytesPerPixel / static_cast<double>(net->config.width_divisor) *
                            static_cast<double>(o.batch_size * o.image_size * o.image_size),
                        detail::concat("training on ", o.batch_size, " crops of ", o.image_size, "x", o.image_size,
                                       " at width divisor ", net->config.width_divisor),
                        "use a smaller --image-size or --batch-size");

    // ---- data -------------------------------------------------------------------
    auto photos = std::make_shared<data::ImageFolder>(
        o.content, data::ImageFolderOptions{.channels = 3, .min_side = kMinSide, .min_side_why = kMinSideWhy});
    if (!photos->skipped().empty())
      std::cerr << "adain_train: skipped " << photos->skipped().size() << " unreadable or too small file(s) in "
                << o.content << "\n";
    data::DataLoader loader(photos, {.batch_size = o.batch_size, .seed = o.seed,
                                     .transform = data::transforms::random_zoom_crop(o.image_size, kMaxZoom)});
    const std::vector<Tensor> styles = load_styles(o.styles, style_side);
    GF_CHECK(!styles.empty(), "no readable style image in --style");

    std::cout << "adain_train: encoder " << encoder << " to relu4_1, width divisor " << net->config.width_divisor
              << ", decoder " << net->decoder->num_parameters() << " params"
              << (net->attention ? detail::concat(", attention fusion ", net->attention->num_parameters(), " params")
                                 : std::string(", AdaIN fusion"))
              << "; " << photos->size() << " content photos, "
              << styles.size() << " style images; crops " << o.image_size << "x" << o.image_size << ", batch "
              << o.batch_size << ", lambda " << o.style_weight << ", mu " << o.colour_weight << ", " << device << ", " << num_threads()
              << " threads\n";
    if (o.vgg_weights.empty() && o.resume.empty())
      std::cout << "random encoder: expect the style's palette over the photo's layout, none of its shapes from the "
                   "decoder (adain_apply adds the style picture's texture to smooth regions; pretrained VGG-19 "
                   "weights via --vgg-weights give the paper's look)\n";
    if (step > 0) std::cout << "resuming from " << o.resume << " at step " << step << "\n";
    if (step >= o.steps) {
      std::cout << "nothing to do: the checkpoint is at step " << step << " of " << o.steps << "\n";
      return 0;
    }

    // Fixed images for the sample grids: the first photos and styles, centre crops.
    std::vector<Tensor> sample_c, sample_s;
    for (std::int64_t i = 0; i < std::min(kSampleImages, photos->size()); ++i)
      sample_c.push_back(data::resize_center_crop(photos->get(i).image, o.image_size));
    for (std::size_t i = 0; i < std::min<std::size_t>(kSampleImages, styles.size()); ++i)
      sample_s.push_back(data::center_crop(styles[i], o.image_size, o.image_size));
    const Tensor sample_contents = stack(sample_c, 0).to(device), sample_styles = stack(sample_s, 0).to(device);

    auto save = [&] {
      models::save_adain(checkpoint.string(), *net, &adam,
                 {{"step", std::to_string(step)}, {"encoder", encoder}, {"image_size", std::to_string(o.image_size)},
                  {"batch_size", std::to_string(o.batch_size)}, {"style_weight", std::to_string(o.style_weight)},
                  {"color_weight", std::to_string(o.colour_weight)}, {"lr", std::to_string(o.lr)}, {"seed", std::to_string(o.seed)}});
    };

    // ---- training -----------------------------------------------------------------
    const std::int64_t per_epoch = loader.batches_per_epoch();
    const std::int64_t first_step = step;
    const auto train_start = std::chrono::steady_clock::now();
    io::ProgressBar bar(o.steps, "adain", {.items_per_step = static_cast<double>(o.batch_size), .unit = "img",
                                           .initial_step = step});
    while (step < o.steps) {
      for (auto& batch : loader.epoch(step / per_epoch, step % per_epoch)) {
        // The crops of step k come from a generator seeded by (seed, k): a resumed run draws the same ones.
        Rng style_gen(o.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(step));
        const Tensor content = batch.images.to(device);
        const Tensor style = style_batch(styles, content.size(0), o.image_size, style_gen).to(device);
        adam.zero_grad();
        const models::AdainLosses l = models::adain_losses(*net, content, style, o.style_weight, o.colour_weight);
        const double lc = l.content.item(), ls = l.style.item(), lcol = l.colour.item();
        GF_CHECK(std::isfinite(lc) && std::isfinite(ls), "the loss became non-finite at step ", step + 1,
                 " (L_c ", lc, ", L_s ", ls, "); lower --lr. The last good state is in ", checkpoint.string());
        l.total.backward();
        adam.step();
        ++step;
        bar.update(step, {{"L_c", lc}, {"L_s", ls}, {"L_col", lcol}, {"L", l.total.item()}});
        if (o.sample_every > 0 && step % o.sample_every == 0)
          save_samples(*net, sample_contents, sample_styles, out / "samples" / ("step_" + zero_padded(step) + ".png"));
        if (step % o.checkpoint_every == 0 || step == o.steps) save();
        if (step == o.steps) break;
      }
    }
    bar.finish();
    const double train_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - train_start).count();
    const fs::path last = out / "samples" / ("step_" + zero_padded(step) + ".png");
    if (!fs::exists(last)) save_samples(*net, sample_contents, sample_styles, last);
    const double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << "done: " << step << " steps, " << 1e3 * train_s / static_cast<double>(step - first_step)
              << " ms/step, " << total_s << " s in all\n"
              << "  samples     " << last.string() << "\n"
              << "  checkpoint  " << checkpoint.string() << "  (adain_apply --model " << checkpoint.string() << ")\n";
  } catch (const std::exception& e) {
    std::cerr << "adain_train: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
