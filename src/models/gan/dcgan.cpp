#include "gf/models/gan/dcgan.hpp"

#include <vector>

#include "gf/ops/shape.hpp"

namespace gf::models {
namespace {

// Width multipliers per resolution: G's stages from the first (smallest)
// feature map; D's stages from the image down. The last G stage maps to the
// image channels, the last D stage to one logit.
struct Layout {
  std::int64_t start_size;         // G's first feature map is start_size^2
  std::vector<std::int64_t> g_mult;  // G hidden widths = ngf * g_mult[i]
  std::vector<std::int64_t> d_mult;  // D hidden widths = ndf * d_mult[i]
};

Layout layout_for(std::int64_t image_size) {
  switch (image_size) {
    case 28: return {7, {4, 2}, {1, 2}};
    case 32: return {4, {4, 2, 1}, {1, 2, 4}};
    case 64: return {4, {8, 4, 2, 1}, {1, 2, 4, 8}};
    default: throw Error("dcgan: image size must be 28, 32 or 64, got " + std::to_string(image_size));
  }
}

}  // namespace

std::string DcganConfig::name() const {
  if (image_size == 28 && channels == 1 && nz == 100 && ngf == 64 && ndf == 64) return "dcgan28";
  if (image_size == 64 && channels == 3 && nz == 100 && ngf == 64 && ndf == 64) return "dcgan64";
  return "dcgan" + std::to_string(image_size) + "-c" + std::to_string(channels);
}

void DcganConfig::validate() const {
  layout_for(image_size);
  GF_CHECK(channels == 1 || channels == 3, "dcgan: channels must be 1 or 3, got ", channels);
  GF_CHECK(nz > 0 && ngf > 0 && ndf > 0, "dcgan: nz, ngf and ndf must be positive, got ", nz, ", ", ngf, ", ", ndf);
  GF_CHECK(num_classes >= 0 && embed_dim > 0, "dcgan: bad conditioning sizes: num_classes ", num_classes,
           ", embed_dim ", embed_dim);
}

// The counts follow the constructors below layer by layer: transposed convs
// and convs without bias, batch norm's scale and shift, the label embedding.
double generator_parameter_count(const DcganConfig& config) {
  config.validate();
  const Layout L = layout_for(config.image_size);
  double count = 0, in = static_cast<double>(config.nz + (config.conditional() ? config.embed_dim : 0));
  for (std::size_t i = 0; i < L.g_mult.size(); ++i) {
    const double out = static_cast<double>(config.ngf * L.g_mult[i]), k = i == 0 ? L.start_size : 4;
    count += in * out * k * k + 2 * out;
    in = out;
  }
  count += in * static_cast<double>(config.channels) * 16;
  if (config.conditional()) count += static_cast<double>(config.num_classes) * static_cast<double>(config.embed_dim);
  return count;
}

double discriminator_parameter_count(const DcganConfig& config) {
  config.validate();
  const Layout L = layout_for(config.image_size);
  double count = 0, in = static_cast<double>(config.channels + (config.conditional() ? 1 : 0));
  for (std::size_t i = 0; i < L.d_mult.size(); ++i) {
    const double out = static_cast<double>(config.ndf * L.d_mult[i]);
    count += in * out * 16 + (i > 0 && config.d_batch_norm ? 2 * out : 0);
    in = out;
  }
  count += in * static_cast<double>(L.start_size * L.start_size);
  if (config.conditional())
    count += static_cast<double>(config.num_classes) * static_cast<double>(config.image_size * config.image_size);
  return count;
}

DcganConfig dcgan28() { return DcganConfig{}; }

DcganConfig dcgan64() {
  DcganConfig c;
  c.image_size = 64;
  c.channels = 3;
  return c;
}

DcganConfig dcgan_config_by_name(const std::string& arch) {
  if (arch == "dcgan28") return dcgan28();
  if (arch == "dcgan64") return dcgan64();
  throw Error("dcgan: unknown architecture '" + arch + "'; choose dcgan28 or dcgan64");
}

// ---- generator ------------------------------------------------------------------

DcganGenerator::DcganGenerator(const DcganConfig& cfg, Rng& gen) : config(cfg) {
  config.validate();
  const Layout L = layout_for(config.image_size);
  main = register_module("main", std::make_shared<nn::Sequential>());
  std::int64_t in = config.nz + (config.conditional() ? config.embed_dim : 0);
  for (std::size_t i = 0; i < L.g_mult.size(); ++i) {
    const std::int64_t out = config.ngf * L.g_mult[i];
    // First stage: 1x1 -> start_size x start_size; later stages double H and W.
    if (i == 0)
      main->push_back(
          nn::make<nn::ConvTranspose2d>({.in = in, .out = out, .kernel = L.start_size, .bias = false, .gen = &gen}));
    else
      main->push_back(nn::make<nn::ConvTranspose2d>(
          {.in = in, .out = out, .kernel = 4, .stride = 2, .padding = 1, .bias = false, .gen = &gen}));
    main->push_back(nn::make<nn::BatchNorm2d>({.features = out}));
    main->push_back(std::make_shared<nn::ReLU>());
    in = out;
  }
  main->push_back(nn::make<nn::ConvTranspose2d>(
      {.in = in, .out = config.channels, .kernel = 4, .stride = 2, .padding = 1, .bias = false, .gen = &gen}));
  main->push_back(std::make_shared<nn::Tanh>());
  if (config.conditional())
    label_embedding = register_module(
        "label_embedding", nn::make<nn::Embedding>(
                               {.num_embeddings = config.num_classes, .embedding_dim = config.embed_dim, .gen = &gen}));
  nn::init::dcgan_init(*this, gen);
}

Tensor DcganGenerator::run(const Tensor& z) {
  GF_CHECK(z.dim() == 2 || (z.dim() == 4 && z.size(2) == 1 && z.size(3) == 1),
           "DcganGenerator: expected z of shape (N, nz) or (N, nz, 1, 1), got ", z.shape());
  return (*main)(z.reshape({z.size(0), z.size(1), 1, 1}));
}

Tensor DcganGenerator::forward(const Tensor& z) {
  GF_CHECK(!config.conditional(), "DcganGenerator: this generator is conditional; pass labels too");
  GF_CHECK(z.size(1) == config.nz, "DcganGenerator: z has ", z.size(1), " latent dims, the model expects ", config.nz);
  return run(z);
}

Tensor DcganGenerator::forward(const Tensor& z, const Tensor& labels) {
  if (!config.conditional()) return forward(z);
  GF_CHECK(labels.defined() && labels.dim() == 1 && labels.size(0) == z.size(0),
           "DcganGenerator: expected labels (N,) with N = ", z.size(0), ", got ",
           labels.defined() ? labels.shape().str() : "none");
  return run(cat({z.reshape({z.size(0), config.nz}), (*label_embedding)(labels)}, 1));
}

// ---- discriminator ------------------------------------------------------------------

DcganDiscriminator::DcganDiscriminator(const DcganConfig& cfg, Rng& gen) : config(cfg) {
  config.validate();
  const Layout L = layout_for(config.image_size);
  main = register_module("main", std::make_shared<nn::Sequential>());
  // Optionally wraps a conv in spectral normalisation.
  auto conv = [&](std::int64_t in, std::int64_t out, std::int64_t k, std::int64_t s,
                  std::int64_t p) -> std::shared_ptr<nn::Module> {
    auto c = nn::make<nn::Conv2d>(
        {.in = in, .out = out, .kernel = k, .stride = s, .padding = p, .bias = false, .gen = &gen});
    if (!config.spectral_norm) return c;
    return std::make_shared<nn::SpectralNorm>(c, c->weight, gen);
  };
  std::int64_t in = config.channels + (config.conditional() ? 1 : 0);
  for (std::size_t i = 0; i < L.d_mult.size(); ++i) {
    const std::int64_t out = config.ndf * L.d_mult[i];
    main->push_back(conv(in, out, 4, 2, 1));
    // None on the input layer (Radford et al.), none at all in a WGAN-GP critic.
    if (i > 0 && config.d_batch_norm) main->push_back(nn::make<nn::BatchNorm2d>({.features = out}));
    main->push_back(std::make_shared<nn::LeakyReLU>(0.2));
    in = out;
  }
  // The last feature map is start_size^2 (7 for 28x28, else 4): one kernel covers it.
  main->push_back(conv(in, 1, L.start_size, 1, 0));
  if (config.conditional())
    label_embedding = register_module("label_embedding",
                                      nn::make<nn::Embedding>({.num_embeddings = config.num_classes,
                                                               .embedding_dim = config.image_size * config.image_size,
                                                               .gen = &gen}));
  nn::init::dcgan_init(*this, gen);
}

Tensor DcganDiscriminator::run(const Tensor& x) {
  return (*main)(x).reshape({x.size(0)});  // (N, 1, 1, 1) -> (N,)
}

Tensor DcganDiscriminator::forward(const Tensor& x) {
  GF_CHECK(!config.conditional(), "DcganDiscriminator: this discriminator is conditional; pass labels too");
  GF_CHECK(x.dim() == 4 && x.size(1) == config.channels && x.size(2) == config.image_size &&
               x.size(3) == config.image_size,
           "DcganDiscriminator: expected images (N, ", config.channels, ", ", config.image_size, ", ",
           config.image_size, "), got ", x.shape());
  return run(x);
}

Tensor DcganDiscriminator::forward(const Tensor& x, const Tensor& labels) {
  if (!config.conditional()) return forward(x);
  GF_CHECK(labels.defined() && labels.dim() == 1 && labels.size(0) == x.size(0),
           "DcganDiscriminator: expected labels (N,) with N = ", x.size(0));
  const std::int64_t s = config.image_size;
  const Tensor plane = (*label_embedding)(labels).reshape({x.size(0), 1, s, s});
  return run(cat({x, plane}, 1));
}

}  // namespace gf::models
