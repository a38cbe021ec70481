// libFuzzer target for the service's upload path: the bytes a client sends to
// POST /api/v1/stylize, through the multipart parser, the field checks and
// the PNG / JPEG decoders, exactly as Service::accept runs them.
//
// Input: one selector byte, then the body.
//   selector even: the body is a multipart/form-data request (boundary
//                  "gfFuzz"), parsed by serve::parse_stylize_request;
//   selector odd:  the body is a picture, decoded by
//                  io::decode_untrusted_image with min_side = selector.
// A refusal (ApiError, UntrustedImageError) is the expected answer to bad
// bytes; any other exception, a crash or a sanitizer report is a bug.
//
// Built and run by tests/fuzz/run.sh (clang, -fsanitize=fuzzer,address,undefined):
//   bash tests/fuzz/run.sh 30          # seconds; CI runs it briefly, longer by hand
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string_view>
#include <unistd.h>

#include "gf/core/factory.hpp"
#include "gf/core/rng.hpp"
#include "gf/io/image.hpp"
#include "gf/io/untrusted_image.hpp"
#include "gf/models/style/style_net.hpp"
#include "gf/serve/api_error.hpp"
#include "gf/serve/stylize_request.hpp"

namespace {

gf::serve::StyleRegistry* registry = nullptr;

// The styles a request may name: "tiny" (a network), "tiny-optimise" (its
// picture), written once to a temporary folder.
void make_registry() {
  const auto dir = std::filesystem::temp_directory_path() / ("gf_fuzz_styles_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  gf::Rng gen(1);
  gf::models::StyleNet net({.width = 4, .residual_blocks = 1}, &gen);
  gf::models::save_style_net((dir / "tiny.safetensors").string(), net);
  gf::io::write_image((dir / "tiny.png").string(), gf::rand({3, 24, 32}, {}, &gen));
  registry = new gf::serve::StyleRegistry();
  std::ostringstream log;
  registry->add_directory(dir.string(), log);
  std::filesystem::remove_all(dir);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  make_registry();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t selector = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    if (selector % 2 == 0) {
      gf::serve::parse_stylize_request("multipart/form-data; boundary=gfFuzz", body, *registry,
                                       {.max_pixels = 1 << 20});
    } else {
      gf::io::decode_untrusted_image(body, {.max_pixels = 1 << 20, .min_side = selector}, "fuzz");
    }
  } catch (const gf::serve::ApiError&) {
  } catch (const gf::io::UntrustedImageError&) {
  }
  return 0;
}
