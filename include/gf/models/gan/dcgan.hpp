#pragma once
// DCGAN generator and discriminator (Radford, Metz & Chintala 2016).
//
// The generator maps a latent vector z ~ N(0, I) to an image in [-1, 1]:
// a stack of transposed convolutions that double the resolution, each with
// batch norm + ReLU, and tanh at the end. The discriminator mirrors it with
// strided convolutions + batch norm + LeakyReLU(0.2) and ends in one logit
// (no sigmoid: the losses in gan_loss.hpp take logits). No conv has a bias:
// batch norm's beta plays that role.
//
// DCGAN-28 (Fashion-MNIST, 1x28x28, nz=100, ngf=ndf=64):
//   G: (N,100,1,1) -ConvT(100,256,k7,s1,p0)+BN+ReLU-> (N,256,7,7)
//                  -ConvT(256,128,k4,s2,p1)+BN+ReLU-> (N,128,14,14)
//                  -ConvT(128,1,k4,s2,p1)+Tanh-> (N,1,28,28)
//   D: (N,1,28,28) -Conv(1,64,k4,s2,p1)+LReLU-> (N,64,14,14)
//                  -Conv(64,128,k4,s2,p1)+BN+LReLU-> (N,128,7,7)
//                  -Conv(128,1,k7,s1,p0)-> (N,1,1,1) -> logits (N,)
// DCGAN-64 (3x64x64): channels 512-256-128-64 in G from 4x4 up, the mirror in D.
//
// Conditional variant: a learned label embedding is concatenated to z in G,
// and to the image as one extra plane (H x W) in D.
#include <cstdint>
#include <memory>
#include <string>

#include "gf/core/rng.hpp"
#include "gf/nn/nn.hpp"

namespace gf::models {

struct DcganConfig {
  std::int64_t image_size = 28;  // 28, 32 or 64
  std::int64_t channels = 1;
  std::int64_t nz = 100;         // latent size
  std::int64_t ngf = 64;         // generator base width
  std::int64_t ndf = 64;         // discriminator base width
  std::int64_t num_classes = 0;  // > 0: class-conditional
  std::int64_t embed_dim = 50;   // label embedding size in G (conditional only)
  bool spectral_norm = false;    // wrap D's convolutions in SpectralNorm
  // Batch norm in D's hidden layers. Off for the critic of WGAN-GP: batch norm
  // makes each sample's score depend on the whole batch, and the penalty
  // constrains the gradient of one sample's score by its own input.
  bool d_batch_norm = true;

  bool conditional() const { return num_classes > 0; }
  /// "dcgan28" / "dcgan64" for the two reference layouts, else a description.
  std::string name() const;
  /// Throws naming the bad field (image size not 28/32/64, non-positive widths).
  void validate() const;
};

/// How many parameters a generator / discriminator of `config` holds,
/// computed without building it (a double: fields read from a file may be
/// absurd). Checkpoint loaders compare it with the values the file holds
/// before they allocate a model, so a 20 KB file claiming ngf = 2000 fails
/// at once instead of after 8 GB. Tested equal to the built model's count.
double generator_parameter_count(const DcganConfig& config);
double discriminator_parameter_count(const DcganConfig& config);

/// The two reference configurations of the issue (parameter counts tested).
DcganConfig dcgan28();
DcganConfig dcgan64();
/// "dcgan28" or "dcgan64".
DcganConfig dcgan_config_by_name(const std::string& arch);

class DcganGenerator : public nn::Module {
 public:
  DcganGenerator(const DcganConfig& config, Rng& gen);

  /// z (N, nz) or (N, nz, 1, 1) -> images (N, C, S, S) in [-1, 1].
  Tensor forward(const Tensor& z) override;
  /// Conditional: labels (N,) int64 pick the class of each sample.
  Tensor forward(const Tensor& z, const Tensor& labels);
  std::string type_name() const override { return "DcganGenerator"; }

  const DcganConfig config;
  std::shared_ptr<nn::Sequential> main;
  std::shared_ptr<nn::Embedding> label_embedding;  // conditional only

 private:
  Tensor run(const Tensor& z_with_labels);
};

class DcganDiscriminator : public nn::Module {
 public:
  DcganDiscriminator(const DcganConfig& config, Rng& gen);

  /// images (N, C, S, S) -> logits (N,).
  Tensor forward(const Tensor& x) override;
  Tensor forward(const Tensor& x, const Tensor& labels);
  std::string type_name() const override { return "DcganDiscriminator"; }

  const DcganConfig config;
  std::shared_ptr<nn::Sequential> main;
  std::shared_ptr<nn::Embedding> label_embedding;  // conditional only: a (S*S) plane per class

 private:
  Tensor run(const Tensor& x_with_labels);
};

}  // namespace gf::models
