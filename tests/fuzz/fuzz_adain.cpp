// libFuzzer target for AdaIN model files, models::load_adain, as adain_apply,
// adain_train --resume and the service load them.
//
// The loader reads a path, so each input is written to a file first.
// A gf::Error is the expected answer to bad bytes; a crash, a sanitizer
// report or any other exception is a bug. The largest network a file can
// ask for (width_divisor 1) holds about 7 M parameters, within the limits
// run.sh sets.
//
// Built and run by tests/fuzz/run.sh:  bash tests/fuzz/run.sh 60 adain
#include <cstdint>

#include "gf/models/style/adain.hpp"
#include "input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static InputFile file("adain.safetensors");
  try {
    gf::models::load_adain(file.write(data, size));
  } catch (const gf::Error&) {
  }
  return 0;
}
