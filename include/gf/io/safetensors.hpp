#pragma once
// Checkpoints in the safetensors format, so weights move to and from Python.
//
//   gf::io::save_safetensors("g.safetensors", {{"fc.weight", w}, {"fc.bias", b}}, {{"step", "1200"}});
//   auto ckpt = gf::io::load_safetensors("g.safetensors");
//   gf::Tensor w2 = ckpt.tensors.at("fc.weight");
//
// File layout (https://github.com/huggingface/safetensors, all little-endian):
//
//   u64 N | N bytes of JSON header | data buffer
//
// The header maps each tensor name to {"dtype": "F32", "shape": [2, 3],
// "data_offsets": [begin, end]} (byte offsets into the data buffer) and may
// hold "__metadata__", a string -> string map. The tensors' byte ranges must
// cover the data buffer exactly: no holes, no overlaps.
//
// ganforge tags its files with "__metadata__" {"format": "ganforge-safetensors",
// "version": "1"} next to the user's metadata, so a later change of layout can
// be recognised. Loading accepts files from any writer that follows the spec.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "gf/core/error.hpp"
#include "gf/core/parse_number.hpp"
#include "gf/core/tensor.hpp"

namespace gf::io {

/// The ganforge format version this build writes and the newest it reads.
inline constexpr int kSafetensorsVersion = 1;
/// Value of the "format" metadata key in files ganforge writes.
inline constexpr std::string_view kSafetensorsFormat = "ganforge-safetensors";

/// Tensors in the order they should be stored (a module's state dict, say).
/// Also made from a name -> tensor map, which gives them in name order.
struct NamedTensors : std::vector<std::pair<std::string, Tensor>> {
  using std::vector<std::pair<std::string, Tensor>>::vector;
  NamedTensors() = default;
  NamedTensors(const std::map<std::string, Tensor>& by_name)
      : std::vector<std::pair<std::string, Tensor>>(by_name.begin(), by_name.end()) {}
};
/// Free-form string metadata (the keys "format" and "version" are ganforge's).
using Metadata = std::map<std::string, std::string>;

/// The metadata value under `key` read as a number of type T (gf::parse_number);
/// nothing when the key is absent, a gf::Error naming `path`, the key and the
/// text when the value is not such a number (a hand-edited or corrupt file).
template <typename T>
std::optional<T> metadata_number(const Metadata& metadata, const std::string& key, const std::string& path) {
  const auto it = metadata.find(key);
  if (it == metadata.end()) return std::nullopt;
  const std::optional<T> value = parse_number<T>(it->second);
  GF_CHECK(value, path, ": metadata '", key, "' must be ", std::is_integral_v<T> ? "a whole number" : "a number",
           ", got '", it->second, "'");
  return value;
}

/// What a safetensors file holds.
struct SafetensorsFile {
  std::map<std::string, Tensor> tensors;  // contiguous CPU tensors, by name
  Metadata metadata;                      // the user's metadata, without ganforge's format tag
  int format_version = 0;                 // ganforge format version; 0 for files from other writers
};

/// How many values the file's tensors whose names start with `prefix` hold
/// (all of them for ""): what a model loaded from those tensors can need at
/// most, to compare with what its configuration implies before building it.
double count_values(const SafetensorsFile& file, const std::string& prefix = "");

/// Writes `tensors` (any device, any strides; stored as contiguous copies) and
/// `metadata` to `path` atomically: a reader sees the old file or the whole new
/// one. Dtypes are stored as F32, F64 and I64. Throws gf::Error on duplicate
/// names, the reserved name "__metadata__", reserved metadata keys or an I/O failure.
void save_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata = {});

/// Reads a safetensors file. Besides F32, F64 and I64 it accepts F16 and BF16
/// (converted to float32) and I32, I16, I8, U8 and BOOL (converted to int64).
/// Any malformed file gets a gf::Error naming the file and what is wrong.
SafetensorsFile load_safetensors(const std::string& path);

/// The bytes save_safetensors would write.
std::string encode_safetensors(const NamedTensors& tensors, const Metadata& metadata = {});
/// Parses safetensors bytes held in memory; `what` names them in errors.
SafetensorsFile decode_safetensors(std::string_view bytes, const std::string& what = "buffer");

}  // namespace gf::io
