#pragma once
// A feature network taught without labels, for when pretrained VGG-19 weights
// cannot be downloaded: Gidaris, Singh & Komodakis, "Unsupervised
// representation learning by predicting image rotations" (ICLR 2018). Every
// crop of a photo is shown in its four quarter turns, and the network learns
// which turn it sees:
//
//   crop c (3, S, S)  ->  rot90(c, k) for k = 0, 1, 2, 3     (the label is k)
//   f = VGG-19 features up to relu4_1                  (N, 512/d, S/8, S/8)
//   p = 2x2 average pooling of f, flattened            (N, 4 * 512/d)
//   logits = Linear(p) -> cross entropy with k          (N, 4)
//
// Telling up from down in a photo needs what is in it: sky above ground,
// faces upright, light from above, shadows below. The convolutions that
// learn it become features the style losses and AdaIN's encoder can use in
// place of a random VGG (docs/style-transfer.md compares the two). Only the
// layers up to relu4_1 are taught; deeper ones keep their He-initialised
// random weights. The 2x2 pooling keeps where in the crop a feature fired
// (above or below, left or right), which is what the turn changes.
//
//   gf::Rng gen(1);
//   gf::models::RotationPretext pretext({.width_divisor = 4}, gen);
//   auto batch = gf::models::quarter_turn_batch(crops);   // 4x the crops, labels 0..3
//   gf::Tensor loss = gf::cross_entropy(pretext(batch.images), batch.labels);
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gf/core/rng.hpp"
#include "gf/models/style/vgg.hpp"
#include "gf/nn/nn.hpp"

namespace gf::models {

struct RotationPretextConfig {
  std::int64_t width_divisor = 4;  // of VGG-19's widths, as in AdainConfig
  /// Throws naming the bad field.
  void validate() const;
};

class RotationPretext : public nn::Module {
 public:
  /// He-initialised VGG-19 features (weights N(0, 2 / fan_in)) and head.
  RotationPretext(const RotationPretextConfig& config, Rng& gen);

  /// Crops (N, 3, S, S) in [0, 1], S a multiple of 16 -> logits (N, 4): how
  /// many quarter turns counter-clockwise each crop was turned by.
  Tensor forward(const Tensor& images) override;
  std::string type_name() const override { return "RotationPretext"; }

  /// The parameters the pretext teaches: the convolutions up to relu4_1 and the head.
  std::vector<Tensor> trained_parameters() const;

  const RotationPretextConfig config;
  std::shared_ptr<Vgg19Features> vgg;
  std::shared_ptr<nn::Linear> head;
};

/// The pretext's batch: every crop (3, S, S) in its four quarter turns,
/// images (4N, 3, S, S) and labels (4N,) int64 = the turns (crop i's k-th
/// turn at row 4i + k).
struct QuarterTurnBatch {
  Tensor images, labels;
};
QuarterTurnBatch quarter_turn_batch(const std::vector<Tensor>& crops);

}  // namespace gf::models
