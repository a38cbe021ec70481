// libFuzzer target for the image decoder every program and the service use,
// io::decode_untrusted_image (libpng, libjpeg-turbo, the header checks and
// the conversion to float planes). read_image and decode_image are this
// decoder with the file limit of 2^28 pixels, more than one fuzz input may
// allocate, so the target decodes with a limit of 2^20 pixels instead.
//
// Input: one selector byte, then the image.
//   selector & 3:  the channels asked for, 0 (as stored), 1, 3 or 4;
//   selector >> 2: min_side, 0 (full size) to 63 (shrinking allowed).
// A gf::Error (UntrustedImageError) is the expected answer to bad bytes; a
// crash, a sanitizer report or any other exception is a bug.
//
// Built and run by tests/fuzz/run.sh:  bash tests/fuzz/run.sh 60 image
#include <cstdint>
#include <string_view>

#include "gf/io/untrusted_image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  constexpr int kChannels[] = {0, 1, 3, 4};
  const std::uint8_t selector = data[0];
  const std::string_view image(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    gf::io::decode_untrusted_image(image, {.max_pixels = 1 << 20, .min_side = selector >> 2}, "fuzz",
                                   kChannels[selector & 3]);
  } catch (const gf::Error&) {
  }
  return 0;
}
