// libFuzzer target for the safetensors reader, io::decode_safetensors: the
// bytes of every checkpoint and model file any program loads.
//
// A gf::Error is the expected answer to bad bytes; a crash, a sanitizer
// report or any other exception is a bug. A file that is accepted must also
// survive a round trip: written back by encode_safetensors and read again,
// it gives the same names, dtypes, shapes, bytes and metadata (F16, BF16 and
// the small integer types are widened on the first read, so compare after it).
//
// Built and run by tests/fuzz/run.sh:  bash tests/fuzz/run.sh 60 safetensors
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string_view>

#include "gf/io/safetensors.hpp"

namespace {

bool same_bytes(const gf::Tensor& a, const gf::Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  const std::size_t bytes = static_cast<std::size_t>(a.numel()) * gf::dtype_size(a.dtype());
  return bytes == 0 || std::memcmp(a.raw_data(), b.raw_data(), bytes) == 0;
}

// Aborts (a crash to libFuzzer) unless `file` reads back the same once written.
void check_round_trip(const gf::io::SafetensorsFile& file) {
  gf::io::Metadata metadata = file.metadata;
  // Another writer's "format" / "version" keys are reserved in ours.
  metadata.erase("format");
  metadata.erase("version");
  const gf::io::SafetensorsFile again =
      gf::io::decode_safetensors(gf::io::encode_safetensors(file.tensors, metadata), "round trip");
  bool same = again.metadata == metadata && again.tensors.size() == file.tensors.size();
  for (const auto& [name, tensor] : file.tensors) {
    const auto it = again.tensors.find(name);
    same = same && it != again.tensors.end() && same_bytes(tensor, it->second);
  }
  if (!same) {
    std::cerr << "fuzz_safetensors: the file changed in a write and read round trip\n";
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const gf::io::SafetensorsFile file =
        gf::io::decode_safetensors(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
    gf::io::count_values(file);
    check_round_trip(file);
  } catch (const gf::Error&) {
  }
  return 0;
}
