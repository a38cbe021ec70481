// style_train: trains a feed-forward style network (Johnson et al. layout,
// gf/models/style/style_net.hpp) for ONE style on a folder of content photos, so
// style_apply can then stylise any photo in one forward pass.
//
//   style_train --content photos/ --style starry.jpg --out run/ --steps 2000
//   style_apply --model run/style_net.safetensors photo.jpg out.png
//
// One training step (content crops c, B x 3 x crop x crop, output y = T(c)):
//   D  phase: a multi-scale patch discriminator D (patch_discriminator.hpp)
//             learns style patches = real, patches of the detached y = fake
//             (real patches only where the style is textured, --real-min-std)
//             (hinge loss, Adam) -- the MGAN / PatchGAN idea: the style's
//             texture is learnt from the style image itself.
//   T  phase: the network T minimises
//       w_adv L_adv                          patches of y should fool D (the style's strokes and shapes)
//     + w_col L_col(y, s)                    the style's colour mean / std per channel
//     + w_low L_low(y, c)                    the content's blurred luminance (large shapes, shading)
//     + w_ssim max(0, ssim_target - SSIM(Y(y), Y(c)))   keep the content readable, no more
//     + w_edge L_edge(y, c)                  the content's outlines (Sobel magnitudes)
//     + w_tv L_tv(y)                         against pixel noise
//     + w_range L_range(z)                   z = y before its clamp: no flat saturated blobs
//     [+ w_content L_c + w_style L_s on VGG-19 features, with --vgg-weights: Johnson's perceptual losses]
//   (the first six are gf::models::offline_style_loss, which stylize's patch GAN
//   uses too; every term is in gf/models/style/style_losses.hpp.)
//
// Without --vgg-weights nothing pretrained is needed: texture comes from D,
// structure and colour from the pixel terms. With pretrained VGG-19 weights
// (docs/style-transfer.md shows how to make the file) the Gram-matrix style
// loss and the feature content loss of Johnson et al. join in.
//
// Writes into --out: style_net.safetensors (the network, for style_apply),
// checkpoint.safetensors (network, D and both optimisers, for --resume),
// samples/step_NNNNNN.png (held-out or training photos through the network)
// every --sample-every steps. Every file is written atomically. A checkpoint
// already there is only continued (--resume) or replaced on request (--overwrite).
//
// Data parallel (docs/distributed.md): mpirun -np N style_train --distributed ...
// runs N ranks from rank 0's weights; each draws its own crops and patches
// (from the seed, its rank and the step), and the network's and D's gradients
// are averaged over the ranks in buckets during backward, so every rank makes
// the same update: N x --batch-size crops per step. Rank 0 alone writes --out.
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "gf/data/transforms.hpp"
#include "gf/dist/checkpoint.hpp"
#include "gf/dist/grad_reducer.hpp"
#include "gf/dist/program.hpp"
#include "gf/gf.hpp"
#include "gf/image/color.hpp"
#include "gf/image/filter.hpp"
#include "gf/image/pyramid.hpp"
#include "gf/io/image.hpp"
#include "gf/io/progress.hpp"
#include "gf/io/safetensors.hpp"
#include "gf/metrics/ssim.hpp"
#include "gf/models/style/patch_discriminator.hpp"
#include "gf/models/style/style_losses.hpp"
#include "gf/models/style/style_net.hpp"
#include "gf/models/style/vgg.hpp"
#include "gf/optim/adam.hpp"
#include "option_bounds.hpp"

using namespace gf;
namespace fs = std::filesystem;

namespace {

// Memory of one training step per pixel of the content crops and per unit of
// network width: the network's activations and gradients, the loss terms'
// images and the convolutions' im2col buffers. The peak resident memory grew
// by 3.6 kB per crop pixel at width 32 (crops of 64 to 256, batch 4); rounded up.
constexpr double kTrainBytesPerPixelPerWidth = 150;

struct Options {
  std::string content, style, out = "style_run", resume, vgg_weights, samples_from;
  std::string head = "matched";
  bool overwrite = false;
  std::int64_t steps = 1000, batch_size = 4, crop = 128, width = 32, residual_blocks = 5;
  std::int64_t sample_every = 100, checkpoint_every = 200;
  std::int64_t style_size = 256;  // longest side of the style image
  double lr = 1e-3, lr_d = 2e-4;
  // Loss weights; see the top comment.
  double w_adv = 0.5, w_col = 10.0, w_low = 5.0, w_ssim = 5.0, ssim_target = 0.6, w_edge = 1.0, w_tv = 1.0,
         w_range = 10.0;
  double w_content = 1.0, w_style = 1e5, lowpass_sigma = 2.0;
  std::int64_t patch_size = 32, patches = 16;
  double real_min_std = 0.02;  // D's real patches: only windows of the style whose luminance varies this much
  // Sliced Wasserstein texture term (models/style/style_losses.hpp).
  double w_texture = 0.0;
  std::int64_t texture_patch = 5, texture_levels = 3, texture_directions = 32;
  std::uint64_t seed = 1;
  std::string device = "cpu";
  int threads = 0;
};

// img (3, H, W) with its shorter side resized to `side` (blurred first when shrinking a lot).
Tensor shorter_side(Tensor img, std::int64_t side) {
  const double scale = static_cast<double>(side) / static_cast<double>(std::min(img.size(1), img.size(2)));
  if (scale < 0.5) img = image::gaussian_blur(img, 0.25 / scale);
  return clamp(data::resize(img, std::max<std::int64_t>(side, std::llround(static_cast<double>(img.size(1)) * scale)),
                            std::max<std::int64_t>(side, std::llround(static_cast<double>(img.size(2)) * scale))),
               0.0, 1.0);
}

// Every readable image of the folder `dir` (given as `option`) that a crop x
// crop window fits in, resized so its shorter side is `side`. Unreadable files
// are counted, smaller ones named, and both skipped.
std::vector<Tensor> read_folder(const std::string& option, const std::string& dir, std::int64_t crop,
                                std::int64_t side) {
  GF_CHECK(fs::is_directory(dir), option, " ", dir, ": not a directory");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<Tensor> images;
  std::int64_t unreadable = 0;
  for (const fs::path& f : files) {
    Tensor photo;
    try {
      photo = io::read_image(f.string(), 3);
    } catch (const Error&) {
      ++unreadable;
      continue;
    }
    const std::string small = io::too_small(photo.size(1), photo.size(2), f.string(), crop,
                                            "--crop " + std::to_string(crop) + " windows are cut from it");
    if (!small.empty()) {
      std::cout << "style_train: skipped " << small << "\n";
      continue;
    }
    images.push_back(shorter_side(photo, side));
  }
  if (unreadable > 0) std::cout << "style_train: skipped " << unreadable << " unreadable file(s) in " << dir << "\n";
  GF_CHECK(!images.empty(), option, " ", dir, ": no readable image of at least --crop ", crop, " pixels a side");
  return images;
}

// A batch of random crop x crop windows of random photos, mirrored half the time -> (B, 3, crop, crop).
Tensor content_batch(const std::vector<Tensor>& photos, std::int64_t batch, std::int64_t crop, Rng& gen) {
  std::vector<Tensor> crops;
  for (std::int64_t b = 0; b < batch; ++b) {
    const Tensor& p = photos[gen.below(photos.size())];
    Tensor c = data::random_crop(p, crop, crop, 0, gen);
    if (gen.below(2) == 1) c = data::hflip(c);
    crops.push_back(c);
  }
  return stack(crops, 0);
}

// Patches of every image of y (B, 3, h, w): n in all, cut evenly from the images.
Tensor patches_of_batch(const Tensor& y, std::int64_t n, std::int64_t size, Rng& gen) {
  std::vector<Tensor> parts;
  const std::int64_t B = y.size(0), per = std::max<std::int64_t>(1, n / B);
  for (std::int64_t b = 0; b < B; ++b) parts.push_back(models::random_patches(y.narrow(0, b, 1), per, size, gen));
  return cat(parts, 0);
}

// The optional VGG-19 perceptual terms of Johnson et al.
struct Perceptual {
  std::shared_ptr<models::Vgg19Features> vgg;
  std::vector<models::StyleTarget> style;
  std::map<std::string, double> style_layers{{"relu1_1", 0.2}, {"relu2_1", 0.2}, {"relu3_1", 0.2},
                                             {"relu4_1", 0.2}, {"relu5_1", 0.2}};
  std::string content_layer = "relu2_2";  // Johnson et al.'s choice for a feed-forward net

  std::vector<std::string> layers() const {
    std::vector<std::string> l{content_layer};
    for (const auto& [name, w] : style_layers) l.push_back(name);
    return l;
  }
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "style_train: trains a feed-forward style network for one style image on a folder of content photos "
      "(adversarial patch discriminator + colour / structure losses; Johnson's VGG perceptual losses too with "
      "--vgg-weights). Without pretrained weights expect the style's palette and local texture on a readable "
      "photo; with them, the classic Johnson et al. look. Measured with the defaults on photos and styles never seen "
      "(docs/style-transfer.md, held-out evaluation round 8, 2026-12-08, three --seed values, applied by "
      "style_apply with its defaults, which put the photo's detail back where the network clips a region to black "
      "or white and add the style picture's texture to smooth regions): luminance SSIM to the photo 0.59-0.61 "
      "(worst picture 0.44, a large smooth sky under many small dots), colour distance to the style 0.022-0.026 "
      "(worst picture 0.09-0.12, a cat's face on a style that is partly black); 0.04-0.09 % of the pixels left "
      "clipped flat. Without the texture (style_apply --style-texture 0): SSIM 0.64-0.66 (worst 0.51), colour "
      "0.025-0.029. The seed changes these figures: train two and keep the better. The defaults train in about 11 "
      "minutes on 2 cores. style_net.safetensors also holds the style picture at --style-size, which style_apply "
      "takes the texture from."};
  app.add_option("--content", o.content, "folder of content photos (PNG/JPEG)")->required();
  app.add_option("--style", o.style, "the style image")->required();
  app.add_option("--out", o.out, "output folder")->capture_default_str();
  app.add_option("--steps", o.steps, "training steps")->check(cli::in_range(1, 10000000))->capture_default_str();
  app.add_option("--batch-size", o.batch_size, "content crops per step (per rank with --distributed)")
      ->check(cli::in_range(1, 256))
      ->capture_default_str();
  app.add_option("--crop", o.crop, "side of the content crops in pixels")
      ->check(cli::in_range(32, 4096))
      ->capture_default_str();
  app.add_option("--width", o.width, "network width (Johnson: 32)")
      ->check(cli::in_range(1, 256))
      ->capture_default_str();
  app.add_option("--residual-blocks", o.residual_blocks, "residual blocks (Johnson: 5)")
      ->check(cli::in_range(0, 32))
      ->capture_default_str();
  app.add_option("--head", o.head,
                 "recolour: the photo in the style's colours (Reinhard) plus what the network adds; matched: the "
                 "same, moved to the style's colour statistics once more (what the network adds cannot shift the "
                 "palette); sigmoid: Johnson's output, the whole picture from the network")
      ->check(CLI::IsMember({"matched", "recolour", "sigmoid"}))
      ->capture_default_str();
  app.add_option("--style-size", o.style_size, "longest side the style image is resized to")
      ->check(cli::in_range(8, 8192))
      ->capture_default_str();
  app.add_option("--lr", o.lr, "Adam step of the network")->check(cli::positive())->capture_default_str();
  app.add_option("--lr-d", o.lr_d, "Adam step of the patch discriminator")
      ->check(cli::positive())
      ->capture_default_str();
  app.add_option("--adv-weight", o.w_adv, "weight of the adversarial patch loss (0: no discriminator)")
      ->check(cli::non_negative())
      ->capture_default_str();
  app.add_option("--texture-weight", o.w_texture,
                 "weight of the sliced Wasserstein patch loss against crops of the style (0: off)")
      ->check(cli::non_negative())
      ->capture_default_str();
  app.add_option("--texture-patch", o.texture_patch, "side of its patches")
      ->check(cli::in_range(1, 64))
      ->capture_default_str();
  app.add_option("--texture-levels", o.texture_levels, "pyramid levels it compares (each half the size)")
      ->check(cli::in_range(1, 5))
      ->capture_default_str();
  app.add_option("--texture-directions", o.texture_directions, "random directions per level and step")
      ->check(cli::in_range(1, 4096))
      ->capture_default_str();
  app.add_option("--color-weight", o.w_col, "weight of the colour-statistics loss")
      ->check(cli::non_negative())
      ->capture_default_str();
  app.add_option("--lowpass-weight", o.w_low, "weight of the low-pass luminance content loss")
      ->check(cli::non_negative())
      ->capture_default_str();
  app.add_option("--ssim-weight", o.w_ssim, "weight of the SSIM budget")
      ->check(cli::non_negative())
      ->capture_default_str();
  app.add_option("--ssim-target", o.ssim_target, "luminance SSIM to the content below which the budget acts")
      ->check(cli::in_range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--edge-weight", o.w_edge, "weight of the edge loss")
      ->check(cli::non_negative())
      ->capture_default_str();
  app.add_option("--tv-weight", o.w_tv, "weight of the total-variation loss")
      ->check(cli::non_negative())
      ->capture_default_str();
  app.add_option("--range-weight", o.w_range,
                 "weight of the range loss: how far the output lies outside [0, 1] before its clamp (a clamped "
                 "region gets no gradient from the other losses and stays a flat blob)")
      ->check(cli::non_negative())
      ->capture_default_str();
  app.add_option("--vgg-weights", o.vgg_weights, "pretrained VGG-19 (torchvision names, safetensors): adds "
                                                 "Johnson's perceptual content and Gram style losses");
  app.add_option("--content-weight", o.w_content, "VGG content loss weight (with --vgg-weights)")
      ->check(cli::non_negative())
      ->capture_default_str();
  app.add_option("--style-weight", o.w_style, "VGG Gram style loss weight (with --vgg-weights)")
      ->check(cli::non_negative())
      ->capture_default_str();
  app.add_option("--patch-size", o.patch_size, "side of the patches D judges")
      ->check(cli::in_range(8, 4096))
      ->capture_default_str();
  app.add_option("--real-min-std", o.real_min_std,
                 "D's real patches come only from windows of the style whose luminance std is at least this: a flat "
                 "background is not the style's texture, and shown as real it teaches flat blobs (0: anywhere; if "
                 "fewer than 5% of the windows qualify, anywhere too)")
      ->check(cli::in_range(0.0, 0.5))
      ->capture_default_str();
  app.add_option("--patches", o.patches, "patches per step for each side of D")
      ->check(cli::in_range(1, 1024))
      ->capture_default_str();
  app.add_option("--sample-every", o.sample_every, "write a sample image every N steps (0: never)")
      ->check(cli::in_range(0, 10000000))
      ->capture_default_str();
  app.add_option("--checkpoint-every", o.checkpoint_every, "write the checkpoint every N steps (and at the end)")
      ->check(cli::in_range(1, 10000000))
      ->capture_default_str();
  app.add_option("--samples-from", o.samples_from, "folder of photos for the samples (default: the content folder)");
  app.add_option("--resume", o.resume, "checkpoint.safetensors to continue from");
  app.add_flag("--overwrite", o.overwrite, "start a new run even if --out holds an earlier run's checkpoint, replacing it");
  app.add_option("--seed", o.seed, "seed for weights, crops and patches")->capture_default_str();
  app.add_option("--device", o.device, "cpu, cuda or cuda:N")->capture_default_str();
  app.add_option("--threads", o.threads, "CPU threads (0: all cores)")->check(cli::in_range(0, 1024));
  bool distributed = false;
  double bucket_mb = 25;
  app.add_flag("--distributed", distributed,
               "data parallel over the ranks of an MPI launch (mpirun -np N ..., srun ...): --batch-size is per "
               "rank, rank 0 writes --out (docs/distributed.md)");
  app.add_option("--bucket-mb", bucket_mb, "with --distributed: gradient all-reduce bucket size in MB")
      ->check(cli::in_range(0.001, 4096.0))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::shared_ptr<dist::Communicator> comm = std::make_shared<dist::LocalCommunicator>();
  std::ostream null_stream(nullptr);  // where the other ranks' messages go
  try {
    comm = dist::connect(distributed);
    const bool root = comm->rank() == 0;
    std::ostream& say = root ? std::cout : null_stream;
    if (o.threads > 0) set_num_threads(o.threads);
    const Device device = Device::parse(o.device);
    if (distributed) dist::check_distributed_device(device);
    GF_CHECK(o.patch_size <= o.crop, "--patch-size ", o.patch_size, " must not exceed --crop ", o.crop);
    GF_CHECK(o.w_texture <= 0 || o.texture_patch <= o.crop >> (o.texture_levels - 1), "--texture-patch ",
             o.texture_patch, " does not fit the coarsest of --texture-levels ", o.texture_levels, " of a --crop ",
             o.crop, " (", o.crop >> (o.texture_levels - 1), " pixels)");
    if (root) io::prepare_run_directory(o.out, !o.resume.empty() || o.overwrite);
    comm->barrier();  // a refusal above ends rank 0, and with it the job, before anyone trains

    io::SafetensorsFile resumed;
    if (!o.resume.empty()) {  // rank 0 reads it for everyone
      resumed = comm->size() > 1 ? dist::load_safetensors_from_root(o.resume, *comm) : io::load_safetensors(o.resume);
      const io::Metadata& m = resumed.metadata;
      GF_CHECK(m.count("kind") && m.at("kind") == "ganforge-style-train" && m.count("step") && m.count("width") &&
                   m.count("residual_blocks"),
               "--resume ", o.resume, ": not a style_train checkpoint");
      o.width = *io::metadata_number<std::int64_t>(m, "width", o.resume);  // the checkpoint's network wins
      o.residual_blocks = *io::metadata_number<std::int64_t>(m, "residual_blocks", o.resume);
      o.head = m.count("head") ? m.at("head") : "sigmoid";  // checkpoints before issue 11 had no head entry
      // The metadata sizes the network; the weights in the file must fill it.
      const models::StyleNetConfig saved{o.width, o.residual_blocks};
      GF_CHECK(saved.parameter_count() <= io::count_values(resumed, "net."), "--resume ", o.resume,
               ": its metadata (width ", o.width, ", ", o.residual_blocks,
               " residual blocks) describes more weights than the file holds");
    }
    check_memory_budget(
        kTrainBytesPerPixelPerWidth * static_cast<double>(o.width * o.batch_size * o.crop * o.crop),
        detail::concat("training on ", o.batch_size, " crops of ", o.crop, "x", o.crop, " at width ", o.width),
        "use a smaller --crop or --batch-size");

    // ---- data -------------------------------------------------------------------
    const std::vector<Tensor> photos = read_folder("--content", o.content, o.crop, o.crop + o.crop / 4);
    const std::vector<Tensor> sample_photos =
        o.samples_from.empty()
            ? std::vector<Tensor>(photos.begin(), photos.begin() + std::min<std::size_t>(4, photos.size()))
            : read_folder("--samples-from", o.samples_from, o.crop, o.crop * 2);
    // The style image, its longest side resized to --style-size: D's patches are cut from it.
    Tensor style = io::read_image(o.style, 3);
    const std::string patch_why =
        "the discriminator judges --patch-size " + std::to_string(o.patch_size) + " patches of it";
    io::check_min_size(style.size(1), style.size(2), o.style, o.patch_size, patch_why);
    {
      const auto [h, w] = data::size_with_longest_side(style.size(1), style.size(2), o.style_size);
      io::check_min_size(h, w, o.style + " at --style-size " + std::to_string(o.style_size), o.patch_size, patch_why);
      style = shorter_side(style, std::min(h, w));
    }
    GF_CHECK(o.w_texture <= 0 || (style.size(1) >= o.crop && style.size(2) >= o.crop), "--style ", o.style, " (",
             style.size(2), "x", style.size(1), ") is smaller than a --crop of ", o.crop,
             ", which the texture loss cuts from it; raise --style-size or lower --crop");
    style = style.unsqueeze(0).to(device);  // (1, 3, h, w)
    // Where D's real patches are cut: the style's textured windows (see --real-min-std); empty: anywhere.
    std::vector<models::PatchCorner> real_corners;
    if (o.real_min_std > 0) real_corners = models::textured_patch_corners(style, o.patch_size, o.real_min_std);
    const std::size_t windows =
        static_cast<std::size_t>((style.size(2) - o.patch_size + 1) * (style.size(3) - o.patch_size + 1));
    if (o.real_min_std > 0 && real_corners.size() < windows / 20) {
      say << "style_train: only " << real_corners.size() << " of " << windows << " style windows vary by "
          << o.real_min_std << " or more; D's real patches come from anywhere\n";
      real_corners.clear();
    } else if (!real_corners.empty() && real_corners.size() < windows) {
      say << "style_train: D's real patches from " << real_corners.size() << " of " << windows
          << " style windows (the rest are flat: --real-min-std " << o.real_min_std << ")\n";
    }

    // ---- models and optimisers ------------------------------------------------------
    Rng gen(o.seed);
    models::StyleNet net(
        {o.width, o.residual_blocks, models::parse_style_net_head(o.head)}, &gen);
    if (net.config.head != models::StyleNetHead::kSigmoid) net.set_style_colours(style);  // (a resumed run loads them with the weights)
    models::MultiScalePatchDiscriminator D({.width = 32, .downsamplings = 2, .scales = 2, .spectral_norm = true}, gen);
    net.to(device);
    D.to(device);
    optim::Adam opt_t(net.parameters(), {.lr = o.lr});
    optim::Adam opt_d(D.parameters(), {.lr = o.lr_d, .beta1 = 0.5, .beta2 = 0.99});
    Perceptual perceptual;
    if (!o.vgg_weights.empty()) {
      perceptual.vgg = models::load_vgg19(o.vgg_weights).vgg;
      perceptual.vgg->to(device);
      perceptual.vgg->eval();
      NoGradGuard no_grad;
      std::vector<std::string> names;
      for (const auto& [name, w] : perceptual.style_layers) names.push_back(name);
      perceptual.style.push_back(models::make_style_target(perceptual.vgg->extract(style, names), names, 1.0));
    }

    std::int64_t step = 0;
    const fs::path checkpoint = fs::path(o.out) / "checkpoint.safetensors";
    const auto save_checkpoint = [&] {
      if (!root) return;
      io::NamedTensors t;
      for (const auto& [n, v] : net.state_dict()) t.emplace_back("net." + n, v);
      for (const auto& [n, v] : D.state_dict()) t.emplace_back("D." + n, v);
      for (const auto& [n, v] : opt_t.state_dict()) t.emplace_back("opt_t." + n, v);
      for (const auto& [n, v] : opt_d.state_dict()) t.emplace_back("opt_d." + n, v);
      io::save_safetensors(checkpoint.string(), t,
                           {{"kind", "ganforge-style-train"}, {"step", std::to_string(step)},
                            {"width", std::to_string(o.width)}, {"residual_blocks", std::to_string(o.residual_blocks)},
                            {"head", o.head}});
      models::save_style_net((fs::path(o.out) / "style_net.safetensors").string(), net,
                             {{"step", std::to_string(step)}, {"style", fs::path(o.style).filename().string()}},
                             style);
    };
    if (!o.resume.empty()) {
      const io::SafetensorsFile& f = resumed;
      const auto part = [&](const std::string& prefix) {
        std::map<std::string, Tensor> m;
        for (const auto& [n, v] : f.tensors)
          if (n.rfind(prefix, 0) == 0) m[n.substr(prefix.size())] = v;
        return m;
      };
      net.load_state_dict(part("net."));
      D.load_state_dict(part("D."));
      opt_t.load_state_dict(part("opt_t."));
      opt_d.load_state_dict(part("opt_d."));
      step = *io::metadata_number<std::int64_t>(f.metadata, "step", o.resume);
      say << "style_train: resuming from " << o.resume << " at step " << step << "\n";
    }
    say << "style_train: " << photos.size() << " content photos, style " << o.style << " ("
              << style.size(3) << "x" << style.size(2) << "), network " << net.num_parameters() << " params, D "
              << D.num_parameters() << " params, "
              << (perceptual.vgg ? "VGG-19 perceptual losses on" : "offline (no pretrained features)") << ", "
              << device << ", " << num_threads() << " threads\n";
    // Data parallel: rank 0's weights for all, gradients averaged in buckets.
    std::unique_ptr<dist::GradReducer> reduce_t, reduce_d;
    if (comm->size() > 1) {
      dist::broadcast_modules({&net, &D}, *comm);
      const auto bucket_bytes = static_cast<std::int64_t>(bucket_mb * 1e6);
      reduce_t = std::make_unique<dist::GradReducer>(net.parameters(), comm, bucket_bytes);
      reduce_d = std::make_unique<dist::GradReducer>(D.parameters(), comm, bucket_bytes);
      say << "data parallel: " << comm->size() << " ranks (" << comm->backend() << ") x " << o.batch_size
          << " crops = " << comm->size() * o.batch_size << " per step\n";
    }

    const auto write_sample = [&](std::int64_t at) {
      NoGradGuard no_grad;
      net.eval();
      std::vector<Tensor> row;
      for (const Tensor& p : sample_photos) {
        // A square of the photo (no padding: black bars would add borders the photo does not have).
        const Tensor c = clamp(data::resize_center_crop(p, o.crop * 2), 0.0, 1.0).unsqueeze(0);
        row.push_back(cat({c, net.forward(c.to(device)).to(Device::cpu())}, 3));
      }
      net.train();
      io::write_image((fs::path(o.out) / "samples" / ("step_" + std::string(6 - std::min<std::size_t>(6, std::to_string(at).size()), '0') + std::to_string(at) + ".png")).string(),
                      cat(row, 2).select(0, 0));
    };

    // ---- training -------------------------------------------------------------------
    io::ProgressBar bar(o.steps, "style", root ? std::cerr : null_stream,
                        {.items_per_step = static_cast<double>(o.batch_size * comm->size()), .unit = "img",
                         .initial_step = step});
    const auto start = std::chrono::steady_clock::now();
    const std::int64_t first = step;
    while (step < o.steps) {
      // Data parallel: each rank its own crops and patches, from (seed, rank, step).
      if (comm->size() > 1) gen.manual_seed(dist::rank_step_seed(o.seed, comm->rank(), step));
      const Tensor c = content_batch(photos, o.batch_size, o.crop, gen).to(device);  // (B, 3, crop, crop)
      const Tensor unclamped = net.forward_unclamped(c);
      const Tensor y = net.clamp_output(unclamped);

      // D phase: style patches are real, patches of the detached output fake.
      const TensorOptions scalar{y.dtype(), y.device()};
      Tensor loss_d = zeros({}, scalar), adv = zeros({}, scalar);
      Tensor fake;
      if (o.w_adv > 0) {
        const Tensor real = real_corners.empty() ? models::random_patches(style, o.patches, o.patch_size, gen)
                                                 : models::random_patches(style, o.patches, o.patch_size, gen, real_corners);
        fake = patches_of_batch(y, o.patches, o.patch_size, gen);
        opt_d.zero_grad();
        loss_d = models::patch_discriminator_loss(D, real, fake.detach());
        if (reduce_d) reduce_d->prepare();
        loss_d.backward();
        if (reduce_d) reduce_d->finish();
        opt_d.step();
      }

      // T phase: fool D, match the style's patches, keep the content's structure and the style's colours.
      if (o.w_adv > 0) adv = models::patch_generator_loss(D, fake);
      Tensor texture = zeros({}, scalar);
      if (o.w_texture > 0) {
        // As many crops of the style as there are outputs, compared level by level.
        const Tensor style_crops = models::random_patches(style, o.batch_size, o.crop, gen);  // (B, 3, crop, crop)
        const auto ys = image::gaussian_pyramid(y, o.texture_levels);
        const auto ss = image::gaussian_pyramid(style_crops, o.texture_levels);
        for (std::size_t l = 0; l < ys.size(); ++l)
          texture = add(texture, models::sliced_wasserstein_loss(
                                     ys[l], ss[l], {.patch = o.texture_patch, .directions = o.texture_directions,
                                                    .stride = l == 0 ? 2 : 1},
                                     gen));
        texture = div(texture, static_cast<double>(ys.size()));
      }
      const Tensor range = models::range_loss(unclamped);
      const models::OfflineStyleLoss terms = models::offline_style_loss(
          y, c, adv, {style}, {1.0},
          {.adversarial = o.w_adv, .color = o.w_col, .lowpass = o.w_low, .lowpass_sigma = o.lowpass_sigma,
           .ssim = o.w_ssim, .ssim_target = o.ssim_target, .edge = o.w_edge, .tv = o.w_tv},
          add(mul(texture, o.w_texture), mul(range, o.w_range)));
      Tensor loss = terms.total;
      if (perceptual.vgg) {
        const auto fy = perceptual.vgg->extract(y, perceptual.layers());
        Tensor fc;
        {
          NoGradGuard no_grad;
          fc = perceptual.vgg->extract(c, {perceptual.content_layer}).at(perceptual.content_layer);
        }
        loss = add(loss, add(mul(models::content_loss(fy.at(perceptual.content_layer), fc), o.w_content),
                             mul(models::style_loss(fy, perceptual.style, perceptual.style_layers), o.w_style)));
      }
      opt_t.zero_grad();
      opt_d.zero_grad();  // D's gradients from the T phase are not used
      if (reduce_t) reduce_t->prepare();  // (D's gradients from this backward are not reduced: not armed)
      loss.backward();
      if (reduce_t) reduce_t->finish();
      opt_t.step();
      ++step;
      // The loss every rank checks is the mean over the ranks, so all stop together.
      Tensor mean_loss = loss.detach().to(DType::kFloat64).reshape({1});
      comm->all_reduce({mean_loss}, dist::ReduceOp::kMean);

      bar.update(step, {{"D", loss_d.item()}, {"adv", adv.item()}, {"tex", texture.item()}, {"col", terms.color.item()},
                        {"low", terms.lowpass.item()}, {"range", range.item()}, {"ssim", terms.ssim.item()},
                        {"loss", loss.item()}});
      if (!std::isfinite(mean_loss.item())) throw Error(detail::concat("the loss became ", mean_loss.item(), " at step ",
                                                                       step, "; try a smaller --lr"));
      if (root && o.sample_every > 0 && step % o.sample_every == 0) write_sample(step);
      if (step % o.checkpoint_every == 0 || step == o.steps) save_checkpoint();
    }
    bar.finish();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    say << "style_train: " << step - first << " steps in " << seconds << " s ("
              << 1e3 * seconds / static_cast<double>(std::max<std::int64_t>(1, step - first)) << " ms/step); wrote "
              << (fs::path(o.out) / "style_net.safetensors").string() << "\n";
  } catch (const std::bad_alloc&) {
    return dist::fail("style_train", "out of memory; use a smaller --crop or --batch-size", *comm);
  } catch (const std::exception& e) {
    return dist::fail("style_train", e.what(), *comm);
  }
  return 0;
}
