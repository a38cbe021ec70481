#include "gf/models/style/rotation_pretext.hpp"

#include "gf/core/factory.hpp"
#include "gf/data/transforms.hpp"
#include "gf/nn/init.hpp"
#include "gf/ops/pool.hpp"
#include "gf/ops/shape.hpp"

namespace gf::models {
namespace {

constexpr const char* kTaughtLayer = "relu4_1";  // the deepest layer the pretext teaches (AdaIN's encoder output)
constexpr std::int64_t kTurns = 4;
constexpr std::int64_t kPooledSide = 2;          // relu4_1 averaged to 2 x 2: where in the crop a feature fired
constexpr std::int64_t kDownsampling = 8;        // relu4_1 has seen three 2 x 2 poolings

}  // namespace

void RotationPretextConfig::validate() const {
  GF_CHECK(width_divisor >= 1 && 64 % width_divisor == 0, "RotationPretextConfig: width_divisor must divide 64, got ",
           width_divisor);
}

RotationPretext::RotationPretext(const RotationPretextConfig& cfg, Rng& gen) : config(cfg) {
  config.validate();
  vgg = register_module("vgg", std::make_shared<Vgg19Features>(Vgg19Config{.width_divisor = config.width_divisor}, gen));
  // Plain conv + ReLU stacks need He init to keep their activations' scale
  // (see nn::init::he_init); the default init leaves relu4_1 nearly silent.
  nn::init::he_init(*vgg, gen);
  const std::int64_t channels = 512 / config.width_divisor;
  head = register_module("head", nn::make<nn::Linear>({.in = channels * kPooledSide * kPooledSide, .out = kTurns,
                                                        .gen = &gen}));
}

Tensor RotationPretext::forward(const Tensor& images) {
  GF_CHECK(images.dim() == 4 && images.size(1) == 3 && images.size(2) == images.size(3) &&
               images.size(2) % (kDownsampling * kPooledSide) == 0 && images.size(2) > 0,
           "RotationPretext: expected square RGB crops (N, 3, S, S) with S a multiple of ",
           kDownsampling * kPooledSide, ", got ", images.shape());
  const Tensor features = vgg->extract(images, {kTaughtLayer}).at(kTaughtLayer);  // (N, C, S/8, S/8)
  const Tensor pooled = avg_pool2d(features, features.size(2) / kPooledSide);    // (N, C, 2, 2)
  return (*head)(pooled.reshape({pooled.size(0), -1}));                          // (N, 4)
}

std::vector<Tensor> RotationPretext::trained_parameters() const {
  std::vector<Tensor> params = head->parameters();
  const std::int64_t last = Vgg19Features::layer_index(kTaughtLayer);
  for (std::int64_t i = 0; i <= last; ++i)
    for (const Tensor& p : (*vgg->features)[static_cast<std::size_t>(i)]->parameters()) params.push_back(p);
  return params;
}

QuarterTurnBatch quarter_turn_batch(const std::vector<Tensor>& crops) {
  GF_CHECK(!crops.empty(), "quarter_turn_batch: no crops");
  std::vector<Tensor> images;
  std::vector<std::int64_t> labels;
  for (const Tensor& crop : crops) {
    GF_CHECK(crop.dim() == 3 && crop.size(1) == crop.size(2), "quarter_turn_batch: crops must be square (C, S, S), got ",
             crop.shape());
    for (int k = 0; k < kTurns; ++k) {
      images.push_back(data::rotate90(crop, k));
      labels.push_back(k);
    }
  }
  return {stack(images, 0), from_vector<std::int64_t>(labels, {static_cast<std::int64_t>(labels.size())})};
}

}  // namespace gf::models
