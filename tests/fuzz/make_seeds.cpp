// Writes the seed corpora of the fuzz targets with ganforge's own writers:
// small but real files of each kind, so the fuzzer starts from inputs that
// pass every check and mutates its way into the corners from there.
//   bash tests/fuzz/make_seeds.sh        rewrites tests/fuzz/seeds/<target>/
// The upload target's seeds (multipart requests) are kept as they are.
// Models are as small as their configurations allow: the whole corpus
// stays in the tens of kilobytes.
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "gf/core/factory.hpp"
#include "gf/core/rng.hpp"
#include "gf/io/image.hpp"
#include "gf/io/safetensors.hpp"
#include "gf/models/style/adain.hpp"
#include "gf/models/gan/gan_trainer.hpp"
#include "gf/models/style/style_net.hpp"

namespace fs = std::filesystem;
using namespace gf;

namespace {

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// The bytes of a file a writer produced (the loaders' seeds are such files).
std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// ---- IDX: magic, big-endian dims, bytes; plain and gzip ------------------------------

std::string idx_bytes(const std::vector<std::uint32_t>& dims) {
  std::string bytes = {0, 0, 8, static_cast<char>(dims.size())};
  std::uint32_t count = 1;
  for (const std::uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes += static_cast<char>((d >> shift) & 0xff);
    count *= d;
  }
  for (std::uint32_t i = 0; i < count; ++i) bytes += static_cast<char>(i * 37);
  return bytes;
}

void write_gzip(const fs::path& path, const std::string& bytes) {
  gzFile out = gzopen(path.c_str(), "wb9");
  gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(out);
}

void idx_seeds(const fs::path& dir) {
  const std::string images = idx_bytes({2, 3, 4}), labels = idx_bytes({5});
  write_bytes(dir / "images_2x3x4", images);
  write_bytes(dir / "labels_5", labels);
  write_gzip(dir / "images_2x3x4.gz", images);
  write_gzip(dir / "labels_5.gz", labels);
}

// ---- images: PNG and JPEG, after the target's selector byte --------------------------

void image_seeds(const fs::path& dir, Rng& gen) {
  // selector: channels index (0..3) in the low bits, min_side in the rest.
  const auto seed = [&](const std::string& name, char selector, const std::string& image) {
    write_bytes(dir / name, std::string(1, selector) + image);
  };
  const Tensor grey = rand({1, 6, 8}, {}, &gen), rgb = rand({3, 6, 8}, {}, &gen), rgba = rand({4, 6, 8}, {}, &gen);
  seed("grey_png_as_stored", 0, io::encode_png(grey));
  seed("rgb_png_as_grey", 1, io::encode_png(rgb));
  seed("rgba_png_as_rgb", 2, io::encode_png(rgba));
  seed("rgb_png_as_rgba", 3, io::encode_png(rgb));
  seed("grey_jpeg_as_rgb", 2, io::encode_jpeg(grey, 90));
  seed("rgb_jpeg_as_stored", 0, io::encode_jpeg(rgb, 90));
  seed("rgb_jpeg_shrunk", 2 | (2 << 2), io::encode_jpeg(rand({3, 32, 32}, {}, &gen), 50));
}

// ---- models and checkpoints --------------------------------------------------------

// A DCGAN training checkpoint after one step (Adam states filled), of the
// smallest 28x28 networks: nz 2, ngf 1, ndf 1.
void gan_checkpoint_seed(const fs::path& path, std::int64_t num_classes, double ema_decay, Rng& gen) {
  models::GanTrainerOptions o;
  o.model.nz = 2;
  o.model.ngf = o.model.ndf = 1;
  o.model.num_classes = num_classes;
  o.model.embed_dim = 2;
  o.ema_decay = ema_decay;
  o.num_fixed_samples = 2;
  models::GanTrainer trainer(o);
  const Tensor labels = num_classes > 0 ? from_vector<std::int64_t>({0, 1}, {2}) : Tensor();
  trainer.train_step(rand({2, 1, 28, 28}, {}, &gen), labels);
  trainer.save(path.string());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds SEEDS_DIR\n";
    return 2;
  }
  const fs::path seeds = argv[1];
  for (const char* target : {"safetensors", "idx", "image", "gan_checkpoint", "style_net", "adain"}) {
    fs::remove_all(seeds / target);
    fs::create_directories(seeds / target);
  }
  Rng gen(1);

  idx_seeds(seeds / "idx");
  image_seeds(seeds / "image", gen);

  gan_checkpoint_seed(seeds / "gan_checkpoint" / "dcgan28", 0, 0.999, gen);
  gan_checkpoint_seed(seeds / "gan_checkpoint" / "dcgan28_conditional_no_ema", 2, 0.0, gen);

  for (const auto head : {models::StyleNetHead::kSigmoid, models::StyleNetHead::kRecolour}) {
    const models::StyleNet net({.width = 2, .residual_blocks = 1, .head = head}, &gen);
    models::save_style_net((seeds / "style_net" / (head == models::StyleNetHead::kSigmoid ? "sigmoid" : "recolour")).string(),
                           net);
  }

  for (const bool recolour : {false, true}) {
    const models::AdainNet net({.width_divisor = 64, .recolour = recolour}, gen);
    models::save_adain((seeds / "adain" / (recolour ? "recolour" : "decoder")).string(), net);
  }

  // The reader on its own: the writer's three dtypes, metadata, an empty
  // tensor, a file with no tensors; and one model file of each kind.
  write_bytes(seeds / "safetensors" / "dtypes",
              io::encode_safetensors({{"f32", rand({2, 3}, {}, &gen)},
                                      {"f64", rand({3}, {DType::kFloat64}, &gen)},
                                      {"i64", from_vector<std::int64_t>({-1, 0, 7}, {3})},
                                      {"empty", Tensor::empty({0, 4})}},
                                     {{"step", "12"}}));
  write_bytes(seeds / "safetensors" / "no_tensors", io::encode_safetensors({}, {{"note", "nothing"}}));
  for (const char* model : {"gan_checkpoint/dcgan28", "style_net/sigmoid", "adain/decoder"})
    write_bytes(seeds / "safetensors" / fs::path(model).parent_path(), read_bytes(seeds / model));
  return 0;
}
