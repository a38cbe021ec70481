#include "gf/models/gan/classifier.hpp"

#include "gf/autograd/grad_mode.hpp"
#include "gf/core/factory.hpp"
#include "gf/io/safetensors.hpp"
#include "gf/ops/shape.hpp"

namespace gf::models {

FashionClassifier::FashionClassifier(Rng& gen, std::int64_t num_classes) {
  body = register_module(
      "body", std::make_shared<nn::Sequential>(
                  nn::make<nn::Conv2d>({.in = 1, .out = 32, .kernel = 3, .padding = 1, .gen = &gen}),
                  std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2),
                  nn::make<nn::Conv2d>({.in = 32, .out = 64, .kernel = 3, .padding = 1, .gen = &gen}),
                  std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2), std::make_shared<nn::Flatten>(),
                  nn::make<nn::Linear>({.in = 64 * 7 * 7, .out = 128, .gen = &gen}), std::make_shared<nn::ReLU>()));
  head = register_module(
      "head", std::make_shared<nn::Sequential>(std::make_shared<nn::Dropout>(0.3, gen.seed() + 17),
                                               nn::make<nn::Linear>({.in = 128, .out = num_classes, .gen = &gen})));
}

Tensor FashionClassifier::features(const Tensor& images) {
  GF_CHECK(images.dim() == 4 && images.size(1) == 1 && images.size(2) == 28 && images.size(3) == 28,
           "FashionClassifier: expected images (N, 1, 28, 28), got ", images.shape());
  return (*body)(images);
}

Tensor FashionClassifier::forward(const Tensor& images) { return (*head)(features(images)); }

Tensor classifier_features(FashionClassifier& classifier, const Tensor& images, std::int64_t batch_size) {
  NoGradGuard no_grad;
  const bool was_training = classifier.is_training();
  classifier.eval();
  // The images may come from a generator on another device (a GPU).
  const Device device = classifier.parameters().front().device();
  std::vector<Tensor> parts;
  for (std::int64_t i = 0; i < images.size(0); i += batch_size)
    parts.push_back(classifier.features(images.narrow(0, i, std::min(batch_size, images.size(0) - i)).to(device)));
  classifier.train(was_training);
  return cat(parts, 0);
}

void save_classifier(const std::string& path, FashionClassifier& model, const metrics::FeatureStats& test_stats,
                     double test_accuracy) {
  io::NamedTensors tensors;
  for (const auto& [name, t] : model.state_dict()) tensors.emplace_back("model." + name, t);
  tensors.emplace_back("fid.test_mean", test_stats.mean);
  tensors.emplace_back("fid.test_cov", test_stats.cov);
  io::save_safetensors(path, tensors,
                       {{"kind", "ganforge-fmnist-classifier"},
                        {"test_accuracy", detail::concat(test_accuracy)},
                        {"fid_count", std::to_string(test_stats.count)}});
}

ClassifierCheckpoint load_classifier(const std::string& path) {
  const io::SafetensorsFile file = io::load_safetensors(path);
  auto kind = file.metadata.find("kind");
  GF_CHECK(kind != file.metadata.end() && kind->second == "ganforge-fmnist-classifier", "classifier checkpoint ", path,
           ": not written by fmnist_classifier (metadata 'kind' missing or different)");
  std::map<std::string, Tensor> weights;
  for (const auto& [name, t] : file.tensors)
    if (name.rfind("model.", 0) == 0) weights.emplace(name.substr(6), t);
  Rng unused(0);
  ClassifierCheckpoint c;
  c.model = std::make_shared<FashionClassifier>(unused);
  c.model->load_state_dict(weights);
  c.model->eval();
  auto get = [&](const std::string& name) {
    auto it = file.tensors.find(name);
    GF_CHECK(it != file.tensors.end(), "classifier checkpoint ", path, ": missing '", name, "'");
    return it->second;
  };
  c.test_stats.mean = get("fid.test_mean");
  c.test_stats.cov = get("fid.test_cov");
  c.test_stats.count = io::metadata_number<std::int64_t>(file.metadata, "fid_count", path).value_or(0);
  c.test_accuracy = io::metadata_number<double>(file.metadata, "test_accuracy", path).value_or(0.0);
  return c;
}

double classifier_fid(const ClassifierCheckpoint& checkpoint, const Tensor& images) {
  const Tensor features = classifier_features(*checkpoint.model, images);
  return metrics::frechet_distance(metrics::feature_stats(features), checkpoint.test_stats);
}

}  // namespace gf::models
