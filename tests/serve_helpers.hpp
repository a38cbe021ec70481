#pragma once
// What the service tests share: a folder of small styles of every kind, and
// multipart bodies built the way a browser builds them.
#include <filesystem>
#include <string>
#include <vector>

#include "gf/core/factory.hpp"
#include "gf/io/safetensors.hpp"
#include "gf/models/style/adain.hpp"
#include "gf/models/style/style_net.hpp"
#include "image_encoders.hpp"
#include "io_helpers.hpp"

namespace gf::test {

/// A style folder holding, in files the trainers would write:
///   tiny.safetensors + tiny.png   a width-4 network and its picture -> "tiny" (network), "tiny-optimise"
///   plain.jpg                     a picture alone                   -> "plain" (optimise)
///   run/checkpoint.safetensors    a small AdaIN model               -> "run" (adain)
///   train/checkpoint.safetensors  a style_train checkpoint          -> skipped
///   samples/step_000100.png       a trainer's sample picture        -> skipped
///   junk.safetensors              not safetensors at all            -> skipped
class StyleFolder {
 public:
  StyleFolder() : dir_("styles") {
    Rng gen(7);
    models::StyleNet net({.width = 4, .residual_blocks = 1}, &gen);
    models::save_style_net(dir_.file("tiny.safetensors"), net);
    write_bytes(dir_.file("tiny.png"), png_bytes({.width = 48, .height = 40}, pattern_sample));
    write_bytes(dir_.file("plain.jpg"), jpeg_bytes({.width = 64, .height = 48}, pattern_sample));
    std::filesystem::create_directories(dir_.path() / "run");
    models::AdainNet adain({.width_divisor = 16}, gen);
    models::save_adain(dir_.file("run/checkpoint.safetensors"), adain);
    std::filesystem::create_directories(dir_.path() / "train");
    io::NamedTensors state;
    state.emplace_back("x", zeros({1}));
    io::save_safetensors(dir_.file("train/checkpoint.safetensors"), state, {{"kind", "ganforge-style-train"}});
    std::filesystem::create_directories(dir_.path() / "samples");
    write_bytes(dir_.file("samples/step_000100.png"), png_bytes({.width = 32, .height = 32}, pattern_sample));
    write_bytes(dir_.file("junk.safetensors"), "not a model");
  }
  std::string path() const { return dir_.path().string(); }

 private:
  TempDir dir_;
};

struct FormField {
  std::string name, data, filename;  // filename empty: a plain field
};

inline const char* kBoundary = "----gfTestBoundary7MA4YWxk";

/// The Content-Type a browser sends with multipart_body().
inline std::string form_type() { return std::string("multipart/form-data; boundary=") + kBoundary; }

/// A multipart/form-data body holding `fields`.
inline std::string multipart_body(const std::vector<FormField>& fields) {
  std::string body;
  for (const FormField& f : fields) {
    body += std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + f.name + "\"";
    if (!f.filename.empty()) body += "; filename=\"" + f.filename + "\"\r\nContent-Type: application/octet-stream";
    body += "\r\n\r\n" + f.data + "\r\n";
  }
  return body + "--" + kBoundary + "--\r\n";
}

/// A photo upload: a w x h PNG in the field "image".
inline FormField photo_field(int w = 40, int h = 32) {
  return {"image", png_bytes({.width = w, .height = h}, pattern_sample), "photo.png"};
}

}  // namespace gf::test
