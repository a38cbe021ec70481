#pragma once
// A small CNN for 28x28 grayscale images (Fashion-MNIST): the proof that
// ganforge trains ordinary networks, and the feature network behind ganforge's
// FID (include/gf/metrics/fid.hpp).
//
//   (N,1,28,28) -Conv(1,32,3,p1)+ReLU+MaxPool2-> (N,32,14,14)
//               -Conv(32,64,3,p1)+ReLU+MaxPool2-> (N,64,7,7)
//               -Flatten+Linear(3136,128)+ReLU->  (N,128)   <- features()
//               -Dropout(0.3)+Linear(128,10)->     (N,10)    logits
// Inputs are in [-1, 1], the range the DCGAN generator outputs, so generated
// images go straight in.
#include <cstdint>
#include <memory>
#include <string>

#include "gf/core/rng.hpp"
#include "gf/metrics/fid.hpp"
#include "gf/nn/nn.hpp"

namespace gf::models {

class FashionClassifier : public nn::Module {
 public:
  explicit FashionClassifier(Rng& gen, std::int64_t num_classes = 10);

  /// images (N, 1, 28, 28) in [-1, 1] -> logits (N, num_classes).
  Tensor forward(const Tensor& images) override;
  /// The 128-wide penultimate activations (N, 128), used for FID.
  Tensor features(const Tensor& images);
  std::string type_name() const override { return "FashionClassifier"; }

  std::shared_ptr<nn::Sequential> body;  // up to the features
  std::shared_ptr<nn::Sequential> head;  // dropout + the class scores
};

/// Features of many images, `batch_size` at a time, eval mode, no grad: (N, 128).
Tensor classifier_features(FashionClassifier& classifier, const Tensor& images, std::int64_t batch_size = 500);

/// A classifier checkpoint: the weights, and the feature statistics of the
/// Fashion-MNIST test set that FID compares generated samples with.
struct ClassifierCheckpoint {
  std::shared_ptr<FashionClassifier> model;
  metrics::FeatureStats test_stats;
  double test_accuracy = 0.0;
};

void save_classifier(const std::string& path, FashionClassifier& model, const metrics::FeatureStats& test_stats,
                     double test_accuracy);
ClassifierCheckpoint load_classifier(const std::string& path);

/// FID between generated images (N, 1, 28, 28) in [-1, 1] and the stored test statistics.
double classifier_fid(const ClassifierCheckpoint& checkpoint, const Tensor& images);

}  // namespace gf::models
