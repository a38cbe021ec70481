#include "gf/models/style/vgg.hpp"

#include <algorithm>
#include <filesystem>

#include "gf/core/factory.hpp"
#include "gf/io/safetensors.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/reduce.hpp"

namespace gf::models {
namespace {

// torchvision's configuration "E": output channels of each conv, 0 = pooling.
constexpr std::int64_t kLayout[] = {64,  64,  0,   128, 128, 0,   256, 256, 256, 256, 0,
                                    512, 512, 512, 512, 0,   512, 512, 512, 512, 0};

std::vector<std::string> make_layer_names() {
  std::vector<std::string> names;
  int block = 1, conv = 1;
  for (const std::int64_t ch : kLayout) {
    const std::string suffix = std::to_string(block) + "_" + std::to_string(conv);
    if (ch == 0) {
      names.push_back("pool" + std::to_string(block));
      ++block;
      conv = 1;
    } else {
      names.push_back("conv" + suffix);
      names.push_back("relu" + suffix);
      ++conv;
    }
  }
  return names;
}

}  // namespace

const std::vector<std::string>& Vgg19Features::layer_names() {
  static const std::vector<std::string> names = make_layer_names();
  return names;
}

std::int64_t Vgg19Features::layer_index(const std::string& name) {
  const auto& names = layer_names();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) {
    throw Error("vgg19: unknown layer '" + name + "'; valid layers: " + detail::join(names));
  }
  return it - names.begin();
}

Vgg19Features::Vgg19Features(const Vgg19Config& cfg, Rng& gen) : config(cfg) {
  GF_CHECK(config.width_divisor >= 1 && 64 % config.width_divisor == 0,
           "vgg19: width_divisor must divide 64, got ", config.width_divisor);
  features = register_module("features", std::make_shared<nn::Sequential>());
  std::int64_t in = 3;
  for (const std::int64_t ch : kLayout) {
    if (ch == 0) {
      if (config.pooling == VggPooling::kMax) features->push_back(std::make_shared<nn::MaxPool2d>(2));
      else features->push_back(std::make_shared<nn::AvgPool2d>(2));
      continue;
    }
    const std::int64_t out = ch / config.width_divisor;
    features->push_back(nn::make<nn::Conv2d>({.in = in, .out = out, .kernel = 3, .padding = 1, .gen = &gen}));
    features->push_back(std::make_shared<nn::ReLU>());
    in = out;
  }
}

Tensor imagenet_normalize(const Tensor& images) {
  GF_CHECK(images.dim() == 4 && images.size(1) == 3, "imagenet_normalize: images must be (N, 3, H, W), got ",
           images.shape());
  auto per_channel = [&](std::vector<double> v) {  // (1, 3, 1, 1) like the images
    return from_vector<double>(v, {1, 3, 1, 1}).to(images.dtype()).to(images.device());
  };
  return div(sub(images, per_channel({0.485, 0.456, 0.406})), per_channel({0.229, 0.224, 0.225}));
}

std::map<std::string, Tensor> Vgg19Features::extract(const Tensor& images, const std::vector<std::string>& layers) {
  GF_CHECK(!layers.empty(), "vgg19: extract needs at least one layer name");
  std::map<std::int64_t, std::string> wanted;  // index -> name, deepest last
  for (const std::string& name : layers) wanted[layer_index(name)] = name;
  std::map<std::string, Tensor> out;
  Tensor x = imagenet_normalize(images);  // (N, 3, H, W)
  const std::int64_t deepest = wanted.rbegin()->first;
  for (std::int64_t i = 0; i <= deepest; ++i) {
    x = (*(*features)[static_cast<std::size_t>(i)])(x);
    const auto it = wanted.find(i);
    if (it != wanted.end()) out[it->second] = x;
  }
  return out;
}

Tensor Vgg19Features::forward(const Tensor& images) { return (*features)(imagenet_normalize(images)); }

namespace {

constexpr const char* kMakeFileHint =
    "\n  make the file from torchvision with the Python lines in docs/style-transfer.md "
    "(save_file({k: v for k, v in vgg19(weights=...).features.state_dict().items()} ...))";

// The file at `path`, read once; `who` names the caller in the error when there is none.
io::SafetensorsFile read_weights(const std::string& path, const char* who) {
  GF_CHECK(std::filesystem::exists(path), who, ": no weights file '", path, "'", kMakeFileHint);
  return io::load_safetensors(path);
}

void load_weights_from(Vgg19Features& vgg, const io::SafetensorsFile& file, const std::string& path) {
  std::map<std::string, Tensor> state;
  std::vector<std::string> wrong_dtype;
  for (const auto& [name, t] : file.tensors) {
    if (name.rfind("classifier.", 0) == 0) continue;  // the fully connected head: not part of `features`
    if (!is_floating(t.dtype())) wrong_dtype.push_back(detail::concat(name, " is ", t.dtype()));
    state[name] = t;
  }
  std::string problems;
  if (!wrong_dtype.empty()) {
    problems += detail::concat("\n  wrong dtype, floating point expected (", wrong_dtype.size(), "):");
    for (const auto& w : wrong_dtype) problems += " " + w + ";";
  }
  try {
    if (problems.empty()) vgg.load_state_dict(state);
  } catch (const Error& e) {
    problems = std::string("\n  ") + e.what();
  }
  GF_CHECK(problems.empty(), "load_vgg19_weights: '", path, "' does not hold torchvision VGG-19 features", problems,
           kMakeFileHint);
}

Vgg19WeightsInfo info_of(const io::SafetensorsFile& file, const std::string& path) {
  const auto conv1_1 = file.tensors.find("features.0.weight");
  GF_CHECK(conv1_1 != file.tensors.end() && conv1_1->second.dim() == 4, "inspect_vgg19_weights: '", path,
           "' holds no VGG-19 conv1_1 weight (a 4-D tensor features.0.weight)");
  const std::int64_t channels = conv1_1->second.size(0);
  GF_CHECK(channels >= 1 && 64 % channels == 0, "inspect_vgg19_weights: '", path, "': conv1_1 has ", channels,
           " output channels, VGG-19's 64 divided by a whole number expected");
  const auto kind = file.metadata.find("kind");
  const bool taught = kind != file.metadata.end() && kind->second == kVgg19FeaturesKind;
  const std::string name = std::filesystem::path(path).filename().string();
  return {64 / channels, (taught ? "VGG-19 taught by feature_train (" : "pretrained VGG-19 (") + name + ")"};
}

}  // namespace

void load_vgg19_weights(Vgg19Features& vgg, const std::string& path) {
  load_weights_from(vgg, read_weights(path, "load_vgg19_weights"), path);
}

Vgg19WeightsInfo inspect_vgg19_weights(const std::string& path) {
  return info_of(read_weights(path, "inspect_vgg19_weights"), path);
}

LoadedVgg19 load_vgg19(const std::string& path, VggPooling pooling) {
  const io::SafetensorsFile file = read_weights(path, "load_vgg19");
  LoadedVgg19 loaded{nullptr, info_of(file, path)};
  Rng scratch(0);  // the weights drawn here are all replaced
  loaded.vgg = std::make_shared<Vgg19Features>(
      Vgg19Config{.pooling = pooling, .width_divisor = loaded.info.width_divisor}, scratch);
  load_weights_from(*loaded.vgg, file, path);
  return loaded;
}

void save_vgg19_weights(const std::string& path, const Vgg19Features& vgg, const io::Metadata& metadata) {
  io::Metadata meta = metadata;
  meta["kind"] = kVgg19FeaturesKind;
  meta["width_divisor"] = std::to_string(vgg.config.width_divisor);
  io::NamedTensors tensors;
  for (const auto& [name, t] : vgg.state_dict()) tensors.emplace_back(name, t);
  io::save_safetensors(path, tensors, meta);
}

Tensor perceptual_distance(Vgg19Features& vgg, const Tensor& a, const Tensor& b,
                           const std::vector<std::string>& layers) {
  GF_CHECK(a.shape() == b.shape(), "perceptual_distance: images of different shapes ", a.shape(), " and ",
           b.shape());
  GF_CHECK(!layers.empty(), "perceptual_distance: no layers");
  const auto fa = vgg.extract(a, layers), fb = vgg.extract(b, layers);
  // Each pixel's feature vector (over dim 1) scaled to unit length; the eps
  // keeps all-zero vectors (dead ReLUs) at zero instead of dividing by zero.
  const auto unit = [](const Tensor& f) { return div(f, add(sqrt(sum(square(f), {1}, true)), 1e-10)); };
  Tensor total;
  for (const std::string& layer : layers) {
    const Tensor d = mean(sum(square(sub(unit(fa.at(layer)), unit(fb.at(layer)))), {1}));
    total = total.defined() ? add(total, d) : d;
  }
  return div(total, static_cast<double>(layers.size()));
}

}  // namespace gf::models
