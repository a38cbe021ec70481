// feature_train: teaches a VGG-19 feature network on photos without labels,
// by rotation prediction (Gidaris et al. 2018; models/style/rotation_pretext.hpp),
// for the style programs' --vgg-weights when torchvision's pretrained weights
// cannot be had. The training loop:
//
//   each step:  B random crops of the photos (random zoom, position, flip)
//               -> each in its four quarter turns, labels 0..3
//               logits = head(2x2 pooling(VGG-19 to relu4_1(crops)))
//               loss = cross_entropy(logits, turns); Adam step
//   every --save-every steps and at the end: the weights in torchvision's
//   names (deeper layers than relu4_1 He-random), with what they were taught
//   on in the file's metadata; accuracy on crops of --val photos if given.
//
// Chance is 25%. The result is a narrow VGG (--width-divisor) that
// adain_train --vgg-weights reads at its own width.
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>

#include "gf/gf.hpp"
#include "gf/metrics/accuracy.hpp"
#include "gf/models/style/rotation_pretext.hpp"
#include "option_bounds.hpp"

namespace fs = std::filesystem;
using namespace gf;

namespace {

struct Options {
  std::vector<std::string> images;
  std::string val;
  std::string out = "runs/features/vgg19_rotation.safetensors";
  std::int64_t steps = 1500;
  std::int64_t batch_size = 16;
  std::int64_t crop = 64;
  double max_zoom = 3.0;
  std::int64_t width_divisor = 4;
  double lr = 1e-3;
  std::int64_t save_every = 250;
  std::uint64_t seed = 1;
  int threads = 0;
};

constexpr std::int64_t kValCrops = 64;  // crops of the --val photos, each in four turns
// Memory of one training step per pixel of the turned crops at width divisor
// 1, divided by the divisor: VGG-19 to relu4_1 with its gradients and im2col
// buffers. The peak resident memory grew by 0.81 kB per pixel at divisor 4
// (crops of 64 and 128, 8 per step in 4 turns); rounded up to 1 kB x 4.
constexpr double kTrainBytesPerPixel = 4e3;

// Every readable photo of the folders (ImageFolder names each file it skips
// and throws when none is left), shrunk once so its shorter side is
// crop x max_zoom, the largest a zoomed crop asks for (big wallpapers would
// otherwise be resized at full size for every crop).
std::vector<Tensor> load_photos(const std::vector<std::string>& folders, const Options& o,
                                std::vector<std::string>& names) {
  const auto side = static_cast<std::int64_t>(static_cast<double>(o.crop) * o.max_zoom);
  std::vector<Tensor> photos;
  for (const std::string& folder : folders) {
    const data::ImageFolder found(folder, {.channels = 3, .min_side = o.crop,
                                           .min_side_why = "crops of --crop pixels are cut from it"});
    for (std::int64_t i = 0; i < found.size(); ++i) {
      const Tensor photo = found.get(i).image;
      photos.push_back(std::min(photo.size(1), photo.size(2)) > side ? data::resize_shorter(photo, side) : photo);
      names.push_back(fs::path(found.paths()[static_cast<std::size_t>(i)]).filename().string());
    }
  }
  return photos;
}

std::vector<Tensor> random_crops(const std::vector<Tensor>& photos, std::int64_t n, const Options& o, Rng& gen) {
  std::vector<Tensor> crops;
  for (std::int64_t i = 0; i < n; ++i) {
    const Tensor& photo = photos[static_cast<std::size_t>(gen.below(photos.size()))];
    crops.push_back(data::random_zoom_crop(photo, o.crop, o.max_zoom, gen));
  }
  return crops;
}

// Accuracy on a fixed batch, without building a graph.
double accuracy_on(models::RotationPretext& pretext, const models::QuarterTurnBatch& batch) {
  NoGradGuard no_grad;
  return metrics::accuracy(pretext(batch.images), batch.labels);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "feature_train: teaches a VGG-19 feature network (up to relu4_1) on your photos without labels, by predicting "
      "which of four quarter turns a crop was given (Gidaris et al. 2018). Its weights file is what adain_train "
      "--vgg-weights takes in place of a random encoder when torchvision's pretrained VGG-19 cannot be downloaded. "
      "Chance is 25% accuracy. On the 16 pictures of our style evaluation it reached 85% on them and chance on other "
      "photos, and as AdaIN's encoder gave the same pictures as a random one (docs/style-transfer.md, round 4): it "
      "needs many more photos than that."};
  app.add_option("--images", o.images, "folder(s) of training photos (PNG/JPEG), at least one")->required();
  app.add_option("--val", o.val, "folder of other photos: accuracy on crops of them, to see the features generalise");
  app.add_option("--out", o.out, "the weights file (safetensors, torchvision's names)")->capture_default_str();
  app.add_option("--steps", o.steps, "training steps")->check(cli::in_range(1, 10000000))->capture_default_str();
  app.add_option("--batch-size", o.batch_size, "crops per step (each shown in 4 turns)")
      ->check(cli::in_range(1, 1024))
      ->capture_default_str();
  app.add_option("--crop", o.crop, "side of the crops in pixels, a multiple of 16")
      ->check(cli::in_range(16, 1024))
      ->capture_default_str();
  app.add_option("--max-zoom", o.max_zoom, "photos are scaled so their shorter side is 1 to this many crops")
      ->check(cli::in_range(1.0, 100.0))
      ->capture_default_str();
  app.add_option("--width-divisor", o.width_divisor, "divide every VGG-19 width by this (1, 2, 4, ... 64)")
      ->check(CLI::IsMember({1, 2, 4, 8, 16, 32, 64}))
      ->capture_default_str();
  app.add_option("--lr", o.lr, "Adam learning rate")->check(cli::positive())->capture_default_str();
  app.add_option("--save-every", o.save_every, "write the weights every this many steps")
      ->check(cli::in_range(1, 10000000))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed of the weights and the crops")->capture_default_str();
  app.add_option("--threads", o.threads, "CPU threads (0: all cores)")->check(cli::in_range(0, 1024))->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    GF_CHECK(o.crop % 16 == 0, "--crop must be a multiple of 16 (relu4_1 is 1/8 of it, pooled to 2x2), got ", o.crop);
    check_memory_budget(kTrainBytesPerPixel / static_cast<double>(o.width_divisor) * 4.0 *
                            static_cast<double>(o.batch_size * o.crop * o.crop),
                        detail::concat("training on ", o.batch_size, " crops of ", o.crop, "x", o.crop,
                                       " in 4 turns at width divisor ", o.width_divisor),
                        "use a smaller --crop or --batch-size");
    if (o.threads > 0) set_num_threads(o.threads);
    std::vector<std::string> names, val_names;
    const std::vector<Tensor> photos = load_photos(o.images, o, names);  // ImageFolder names every file it skips
    Rng gen(o.seed);
    models::RotationPretext pretext({.width_divisor = o.width_divisor}, gen);
    optim::Adam adam(pretext.trained_parameters(), {.lr = o.lr});

    // A fixed validation batch, drawn once from its own stream.
    models::QuarterTurnBatch val;
    if (!o.val.empty()) {
      const std::vector<Tensor> val_photos = load_photos({o.val}, o, val_names);
      Rng val_gen(o.seed + 1);
      val = models::quarter_turn_batch(random_crops(val_photos, kValCrops, o, val_gen));
    }
    std::cout << "feature_train: VGG-19 to relu4_1 at width divisor " << o.width_divisor << " ("
              << pretext.num_parameters() << " parameters with the head), " << photos.size() << " photos, "
              << o.batch_size << " crops of " << o.crop << "x" << o.crop << " in 4 turns per step, " << num_threads()
              << " threads" << (o.val.empty() ? "" : detail::concat("; validation: ", val_names.size(), " photos"))
              << "\n";

    double running_accuracy = 0.25;  // chance; a moving average of the training batches' accuracy
    std::optional<double> val_accuracy;
    const auto save = [&](std::int64_t step) {
      if (val.images.defined()) val_accuracy = accuracy_on(pretext, val);
      if (fs::path(o.out).has_parent_path()) fs::create_directories(fs::path(o.out).parent_path());
      io::Metadata meta{{"pretext", "rotation prediction (Gidaris et al. 2018)"},
                        {"taught_layers", "conv1_1 to relu4_1; deeper layers He-random"},
                        {"trained_on", detail::join(names)},
                        {"steps", std::to_string(step)},
                        {"crop", std::to_string(o.crop)},
                        {"train_accuracy", std::to_string(running_accuracy)}};
      if (val_accuracy) meta["val_accuracy"] = std::to_string(*val_accuracy);
      models::save_vgg19_weights(o.out, *pretext.vgg, meta);
    };

    const auto start = std::chrono::steady_clock::now();
    io::ProgressBar bar(o.steps, "feature_train", {.items_per_step = 4.0 * static_cast<double>(o.batch_size),
                                                   .unit = "img"});
    for (std::int64_t step = 1; step <= o.steps; ++step) {
      const models::QuarterTurnBatch batch = models::quarter_turn_batch(random_crops(photos, o.batch_size, o, gen));
      const Tensor logits = pretext(batch.images);
      const Tensor loss = cross_entropy(logits, batch.labels);
      adam.zero_grad();
      loss.backward();
      adam.step();
      running_accuracy = 0.95 * running_accuracy + 0.05 * metrics::accuracy(logits, batch.labels);
      std::vector<io::Metric> shown{{"loss", loss.item()}, {"acc", running_accuracy}};
      if (val_accuracy) shown.push_back({"val", *val_accuracy});
      bar.update(step, shown);
      if (step % o.save_every == 0 || step == o.steps) {
        save(step);
        bar.message(detail::concat("step ", step, ": training accuracy ", 100.0 * running_accuracy, "%",
                                   val_accuracy ? detail::concat(", validation ", 100.0 * *val_accuracy, "%") : "",
                                   "; saved ", o.out));
      }
    }
    bar.finish();
    const double minutes = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 60.0;
    std::cout << "trained " << o.steps << " steps in " << minutes << " min; training accuracy "
              << 100.0 * running_accuracy << "%"
              << (val_accuracy ? detail::concat(", validation ", 100.0 * *val_accuracy, "%") : "")
              << " (chance 25%); weights in " << o.out << "\n";
  } catch (const std::exception& e) {
    std::cerr << "feature_train: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
