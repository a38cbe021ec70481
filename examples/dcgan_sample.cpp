// dcgan_sample: draws images from a generator that dcgan_train saved.
//
//   z ~ N(0, I)  ->  G(z) in [-1, 1]  ->  (G(z) + 1) / 2 in [0, 1]  ->  PNG
//
// Writes to --out:
//   sample_NNN.png      each of --num samples on its own
//   grid.png            all of them tiled, 8 per row
//   interpolation.png   --interpolate images on the great circle (slerp)
//                       between two latent vectors: how smoothly G maps z
// For a class-conditional model, --class picks what to draw ("sneaker",
// "Ankle boot", or a class number). --fid DIR computes FID of a folder of
// images instead, against the classifier's Fashion-MNIST test statistics.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "gf/gf.hpp"
#include "gf/models/gan/classifier.hpp"
#include "gf/models/gan/gan_trainer.hpp"
#include "gf/models/gan/latent.hpp"
#include "option_bounds.hpp"

namespace fs = std::filesystem;
using namespace gf;

namespace {

constexpr std::int64_t kGridColumns = 8;

struct Options {
  std::string checkpoint;
  std::string out = "runs/samples";
  std::int64_t num = 64;
  std::int64_t interpolate = 10;
  std::string class_name;
  bool no_ema = false;
  std::uint64_t seed = 7;
  std::string device = "cpu";
  std::string fid_folder;
  std::string classifier = "runs/classifier/fmnist_classifier.safetensors";
};

// The class names a checkpoint's labels index into.
std::vector<std::string> class_names_for(const io::Metadata& meta, std::int64_t num_classes) {
  auto it = meta.find("dataset");
  if (it != meta.end() && it->second == "fashion-mnist") return data::fashion_mnist_classes();
  std::vector<std::string> names;
  for (std::int64_t i = 0; i < num_classes; ++i) names.push_back(std::to_string(i));
  return names;
}

int fid_of_folder(const Options& o) {
  const models::ClassifierCheckpoint cls = models::load_classifier(o.classifier);
  data::ImageFolder folder(o.fid_folder, {.channels = 1});
  std::vector<Tensor> images;
  for (std::int64_t i = 0; i < folder.size(); ++i) {
    Tensor img = folder.get(i).image;
    if (img.size(1) != 28 || img.size(2) != 28) img = data::resize_center_crop(img, 28);
    images.push_back(data::normalize(img));
  }
  GF_CHECK(images.size() >= 2, "FID needs at least 2 images, ", o.fid_folder, " has ", images.size());
  std::cout << "FID of " << images.size() << " images in " << o.fid_folder << " vs " << cls.test_stats.count
            << " Fashion-MNIST test images: " << models::classifier_fid(cls, stack(images, 0)) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Draw samples, a grid and a latent interpolation from a dcgan_train checkpoint."};
  app.add_option("--checkpoint", o.checkpoint, "checkpoint.safetensors written by dcgan_train");
  app.add_option("--out", o.out, "output directory")->capture_default_str();
  app.add_option("--num", o.num, "number of samples (drawn in one batch)")
      ->check(cli::in_range(1, 1024))
      ->capture_default_str();
  app.add_option("--interpolate", o.interpolate, "images in the interpolation strip, one row (0 or 1: none)")
      ->check(cli::in_range(0, 64))
      ->capture_default_str();
  app.add_option("--class", o.class_name, "conditional models: class to draw (name or number)");
  app.add_flag("--no-ema", o.no_ema, "use G's raw weights instead of their moving average");
  app.add_option("--seed", o.seed, "seed of the latent vectors")->capture_default_str();
  app.add_option("--device", o.device,
                 "cpu, cuda or cuda:N (a GPU: needs ganforge built with CUDA and cuDNN, see docs/cuda.md)")
      ->capture_default_str();
  app.add_option("--fid", o.fid_folder, "compute FID of the images in this folder instead of sampling");
  app.add_option("--classifier", o.classifier, "fmnist_classifier checkpoint for --fid")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    if (!o.fid_folder.empty()) return fid_of_folder(o);
    GF_CHECK(!o.checkpoint.empty(), "--checkpoint is required (or --fid DIR)");
    const Device device = Device::parse(o.device);
    const io::SafetensorsFile file = io::load_safetensors(o.checkpoint);
    const models::GanTrainerOptions config = models::read_trainer_options(file, o.checkpoint);
    auto G = models::load_generator(o.checkpoint, !o.no_ema, device);
    const std::int64_t nz = config.model.nz;

    // Labels: one class for all samples when asked, else cycling through the classes.
    auto labels_for = [&](std::int64_t n) -> Tensor {
      if (!config.model.conditional()) {
        GF_CHECK(o.class_name.empty(), "--class needs a conditional model; this checkpoint is unconditional");
        return Tensor();
      }
      std::vector<std::int64_t> labels(static_cast<std::size_t>(n));
      const auto names = class_names_for(file.metadata, config.model.num_classes);
      for (std::int64_t i = 0; i < n; ++i)
        labels[static_cast<std::size_t>(i)] = o.class_name.empty() ? i % config.model.num_classes
                                                                   : data::find_class(names, o.class_name);
      return from_vector<std::int64_t>(labels, {n});
    };

    NoGradGuard no_grad;
    Rng noise(o.seed);
    fs::create_directories(o.out);
    const Tensor images = data::denormalize(G->forward(randn({o.num, nz}, {DType::kFloat32, device}, &noise),
                                                       labels_for(o.num)));
    for (std::int64_t i = 0; i < o.num; ++i) {
      std::string index = std::to_string(i);
      index.insert(0, static_cast<std::size_t>(std::max<int>(0, 3 - static_cast<int>(index.size()))), '0');
      io::write_image((fs::path(o.out) / ("sample_" + index + ".png")).string(), images.select(0, i));
    }
    io::save_image_grid((fs::path(o.out) / "grid.png").string(), images, kGridColumns);
    std::cout << "wrote " << o.num << " samples and grid.png to " << o.out << "\n";

    if (o.interpolate >= 2) {
      const Tensor a = randn({nz}, {}, &noise), b = randn({nz}, {}, &noise);
      const Tensor path = models::slerp_path(a, b, o.interpolate).to(device);
      const Tensor strip = data::denormalize(G->forward(path, labels_for(o.interpolate)));
      io::save_image_grid((fs::path(o.out) / "interpolation.png").string(), strip, o.interpolate);
      std::cout << "wrote interpolation.png (" << o.interpolate << " steps of slerp between two latent vectors)\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "dcgan_sample: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
