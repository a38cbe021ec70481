// AdaIN model files: the whole network (the fixed encoder too, so a decoder
// always meets the encoder it was trained with, random or pretrained) plus,
// for resuming training, the optimizer's state, in one safetensors file.
#include <filesystem>
#include <string>

#include "gf/models/style/adain.hpp"

namespace gf::models {
namespace {

constexpr const char* kOptimizerPrefix = "optimizer.";

// A metadata value that must be there and be a whole number; names the file and key when not.
std::int64_t metadata_int(const io::Metadata& m, const std::string& key, const std::string& path) {
  const std::optional<std::int64_t> v = io::metadata_number<std::int64_t>(m, key, "load_adain: '" + path + "'");
  GF_CHECK(v, "load_adain: '", path, "' has no '", key, "' in its metadata");
  return *v;
}

}  // namespace

void save_adain(const std::string& path, const AdainNet& net, const optim::Optimizer* optimizer,
                io::Metadata metadata) {
  io::NamedTensors tensors;
  for (const auto& [name, t] : net.state_dict()) tensors.emplace_back(name, t);
  if (optimizer)
    for (const auto& [name, t] : optimizer->state_dict()) tensors.emplace_back(kOptimizerPrefix + name, t);
  metadata["model"] = kAdainModelTag;
  metadata["adain_version"] = std::to_string(kAdainFormatVersion);
  metadata["width_divisor"] = std::to_string(net.config.width_divisor);
  metadata["head"] = net.config.recolour ? "recolour" : "decoder";
  metadata["fusion"] = fusion_name(net.config.fusion);
  io::save_safetensors(path, tensors, metadata);
}

AdainCheckpoint load_adain(const std::string& path) {
  GF_CHECK(std::filesystem::is_regular_file(path), "load_adain: no model file '", path,
           "' (train one with adain_train)");
  io::SafetensorsFile file = io::load_safetensors(path);  // names the file when it is malformed
  const auto tag = file.metadata.find("model");
  GF_CHECK(tag != file.metadata.end() && tag->second == kAdainModelTag, "load_adain: '", path,
           "' is not an AdaIN model (its metadata 'model' is '",
           tag == file.metadata.end() ? std::string("missing") : tag->second,
           "'); use a checkpoint written by adain_train");
  const std::int64_t version = metadata_int(file.metadata, "adain_version", path);
  GF_CHECK(version >= 1 && version <= kAdainFormatVersion, "load_adain: '", path, "' is AdaIN format version ",
           version, "; this build reads versions 1 to ", kAdainFormatVersion, " (update ganforge to read it)");

  AdainConfig config;
  config.width_divisor = metadata_int(file.metadata, "width_divisor", path);
  const auto head = file.metadata.find("head");  // absent in models made before the recolour head
  config.recolour = head != file.metadata.end() && head->second == "recolour";
  const auto fusion = file.metadata.find("fusion");  // absent in models made before attention fusion
  if (fusion != file.metadata.end()) {
    try {
      config.fusion = parse_fusion(fusion->second);
    } catch (const Error& e) {
      throw Error(detail::concat("load_adain: '", path, "' metadata 'fusion': ", e.what()));
    }
  }
  Rng unused(0);  // every weight is overwritten below
  AdainCheckpoint ckpt;
  ckpt.net = std::make_shared<AdainNet>(config, unused);
  std::map<std::string, Tensor> state;
  for (auto& [name, t] : file.tensors) {
    if (name.rfind(kOptimizerPrefix, 0) == 0) ckpt.optimizer[name.substr(std::string(kOptimizerPrefix).size())] = t;
    else state[name] = t;
  }
  try {
    ckpt.net->load_state_dict(state);
  } catch (const Error& e) {
    throw Error(detail::concat("load_adain: '", path, "' does not match an AdaIN network with width_divisor ",
                               config.width_divisor, " and ", fusion_name(config.fusion), " fusion: ", e.what()));
  }
  ckpt.net->freeze_encoder();
  ckpt.metadata = std::move(file.metadata);
  return ckpt;
}

}  // namespace gf::models
