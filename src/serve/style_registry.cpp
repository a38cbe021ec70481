#include "gf/serve/style_registry.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <set>

#include "gf/autograd/grad_mode.hpp"
#include "gf/core/factory.hpp"
#include "gf/data/transforms.hpp"
#include "gf/io/image.hpp"
#include "gf/io/safetensors.hpp"
#include "gf/io/untrusted_image.hpp"
#include "gf/models/style/adain.hpp"
#include "gf/models/style/style_net.hpp"
#include "gf/ops/elementwise.hpp"
#include "io/file.hpp"

namespace gf::serve {
namespace fs = std::filesystem;
namespace {

// What the trainers name their outputs: such a file takes its folder's name.
const std::set<std::string> kTrainerFileNames = {"style_net", "checkpoint"};
// The trainers' progress pictures, not styles.
constexpr const char* kSamplesFolder = "samples";

bool is_picture(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

// "Starry Night 2" -> "starry-night-2": lower case, [a-z0-9_-] only.
std::string to_id(const std::string& s) {
  std::string id;
  for (const unsigned char c : s) {
    const char l = static_cast<char>(std::tolower(c));
    const bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '_' || l == '-';
    if (ok) id += l;
    else if (!id.empty() && id.back() != '-') id += '-';
  }
  while (!id.empty() && id.back() == '-') id.pop_back();
  return id.empty() ? "style" : id;
}

// "starry_night-2" -> "Starry night 2".
std::string to_name(const std::string& id) {
  std::string name = id;
  std::replace(name.begin(), name.end(), '_', ' ');
  std::replace(name.begin(), name.end(), '-', ' ');
  if (!name.empty()) name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  return name;
}

// A picture file -> (3, h, w) with its longest side at most `longest`.
Tensor read_picture(const fs::path& path, std::int64_t longest) {
  const std::string bytes = io::read_file(path.string(), "style registry");
  Tensor img = io::decode_untrusted_image(bytes, {.max_pixels = 1 << 26, .min_side = longest}, path.string()).pixels;
  const auto [h, w] = data::size_with_longest_side(img.size(1), img.size(2), longest);
  if (h < img.size(1)) img = clamp(data::resize(img, h, w), 0.0, 1.0);
  return img;
}

std::string thumbnail_of(const Tensor& image) {  // (3, H, W)
  const auto [h, w] = data::size_with_longest_side(image.size(1), image.size(2), StyleRegistry::kThumbnailSide);
  const Tensor small = h < image.size(1) ? clamp(data::resize(image, h, w), 0.0, 1.0) : image;
  return io::encode_png(small);
}

// One model file of a folder, with the picture of the same name if any.
struct Candidate {
  fs::path model;    // may be empty: a picture alone
  fs::path picture;  // may be empty
  std::string id;
};

std::vector<Candidate> candidates_in(const fs::path& dir, std::ostream& log) {
  std::map<std::string, Candidate> by_stem;  // sorted: a stable order
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    const fs::path& p = entry.path();
    const std::string stem = p.stem().string();
    Candidate& c = by_stem[stem];
    c.id = kTrainerFileNames.count(stem) ? dir.filename().string() : stem;
    if (p.extension() == ".safetensors") c.model = p;
    else if (is_picture(p)) c.picture = p;
  }
  if (ec) log << "styles: cannot list " << dir.string() << ": " << ec.message() << "\n";
  std::vector<Candidate> out;
  for (auto& [stem, c] : by_stem)
    if (!c.model.empty() || !c.picture.empty()) out.push_back(std::move(c));
  return out;
}

}  // namespace

const char* to_string(StyleKind kind) {
  switch (kind) {
    case StyleKind::kNetwork: return "network";
    case StyleKind::kOptimise: return "optimise";
    default: return "adain";
  }
}

Tensor demo_scene(std::int64_t side) {
  GF_CHECK(side >= 8, "demo_scene: side must be at least 8, got ", side);
  Tensor scene = empty({3, side, side});  // (3, H, W)
  float* px = scene.data<float>();
  const std::int64_t plane = side * side;
  const auto put = [&](std::int64_t y, std::int64_t x, float r, float g, float b) {
    px[y * side + x] = r;
    px[plane + y * side + x] = g;
    px[2 * plane + y * side + x] = b;
  };
  for (std::int64_t y = 0; y < side; ++y)
    for (std::int64_t x = 0; x < side; ++x) {
      const double u = (x + 0.5) / static_cast<double>(side), v = (y + 0.5) / static_cast<double>(side);
      const double far_hill = 0.62 - 0.08 * std::sin(6.0 * u + 1.0);
      const double near_hill = 0.75 + 0.06 * std::sin(4.0 * u + 3.0);
      const bool house = u > 0.22 && u < 0.42 && v > 0.58 && v < near_hill + 0.02;
      const bool roof = v <= 0.58 && v > 0.46 && std::abs(u - 0.32) < (v - 0.46) * 1.2;
      if (std::hypot(u - 0.74, v - 0.24) < 0.11) put(y, x, 1.0f, 0.8f, 0.25f);  // sun
      else if (roof) put(y, x, 0.75f, 0.18f, 0.12f);
      else if (house) put(y, x, 0.93f, 0.88f, 0.74f);
      else if (v > near_hill) put(y, x, 0.2f, 0.5f, 0.18f);
      else if (v > far_hill) put(y, x, 0.35f, 0.62f, 0.32f);
      else put(y, x, static_cast<float>(0.35 + 0.5 * v), static_cast<float>(0.55 + 0.4 * v), 0.95f);  // sky
    }
  return scene;
}

void StyleRegistry::add(Style style) {
  std::string id = style.id;
  for (int n = 2; find(id); ++n) id = style.id + "-" + std::to_string(n);
  style.id = id;
  styles_.push_back(std::make_shared<const Style>(std::move(style)));
}

std::shared_ptr<const Style> StyleRegistry::find(std::string_view id) const {
  for (const auto& s : styles_)
    if (s->id == id) return s;
  return nullptr;
}

namespace {

// The style a model file makes, or nullopt (with a line on `log`) when it is
// not a network or an AdaIN model. picture (3, h, w) may be undefined.
std::optional<Style> model_style(const fs::path& path, const std::string& id, const Tensor& picture, Device device,
                                 std::ostream& log) {
  const io::SafetensorsFile file = io::load_safetensors(path.string());
  const auto meta = [&](const char* key) {
    const auto it = file.metadata.find(key);
    return it == file.metadata.end() ? std::string() : it->second;
  };
  Style s{.id = id, .name = to_name(id), .source = path.string()};
  if (meta("model") == models::kAdainModelTag) {
    s.kind = StyleKind::kAdain;
    s.name += " (AdaIN: your style image)";
    s.adain = models::load_adain(path.string()).net;
    s.adain->eval();
    s.adain->to(device);
    s.thumbnail_png = thumbnail_of(picture.defined() ? picture : demo_scene(StyleRegistry::kThumbnailSide));
    return s;
  }
  if (meta("kind") == "ganforge-style-net" || file.tensors.count("head.conv.weight")) {
    s.kind = StyleKind::kNetwork;
    s.network = models::style_net_in(file, path.string());
    s.network->eval();
    // The texture for the result's smooth regions: the picture the network was trained on, else the one beside it.
    const Tensor trained_on = models::style_picture_in(file, path.string());
    if (trained_on.defined() || picture.defined())
      s.image = (trained_on.defined() ? trained_on : picture).unsqueeze(0).to(device);
    // Without a picture of the style, show what the network does to the built-in scene.
    s.thumbnail_png = thumbnail_of(
        picture.defined() ? picture
                          : s.network->forward(demo_scene(StyleRegistry::kThumbnailSide).unsqueeze(0)).select(0, 0));
    s.network->to(device);
    return s;
  }
  log << "styles: skipping " << path.string() << " (not a style network or an AdaIN model"
      << (meta("kind").empty() ? "" : "; it is a " + meta("kind")) << ")\n";
  return std::nullopt;
}

}  // namespace

void StyleRegistry::add_directory(const std::string& dir, std::ostream& log, Device device) {
  const auto start = std::chrono::steady_clock::now();
  GF_CHECK(fs::is_directory(dir), "styles: '", dir, "' is not a folder");
  std::vector<fs::path> folders{fs::path(dir)};
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_directory() && entry.path().filename() != kSamplesFolder) folders.push_back(entry.path());
  std::sort(folders.begin() + 1, folders.end());

  NoGradGuard no_grad;
  for (const fs::path& folder : folders) {
    for (const Candidate& c : candidates_in(folder, log)) {
      const std::string id = to_id(c.id);
      try {
        Tensor picture;  // (3, h, w)
        if (!c.picture.empty()) picture = read_picture(c.picture, kStyleImageSide);
        std::optional<Style> model = c.model.empty() ? std::nullopt : model_style(c.model, id, picture, device, log);
        if (model) add(std::move(*model));
        if (picture.defined())  // the picture is a style of its own, for the per-image optimisation
          add(Style{.id = model ? id + "-optimise" : id,
                    .name = to_name(id) + (model ? " (optimised for your photo)" : ""),
                    .kind = StyleKind::kOptimise,
                    .source = c.picture.string(),
                    .thumbnail_png = thumbnail_of(picture),
                    .image = picture.unsqueeze(0).to(device)});
      } catch (const std::exception& e) {
        log << "styles: skipping " << (c.model.empty() ? c.picture : c.model).string() << ": " << e.what() << "\n";
      }
    }
  }
  load_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace gf::serve
