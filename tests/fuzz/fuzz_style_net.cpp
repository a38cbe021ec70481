// libFuzzer target for feed-forward style networks, models::load_style_net,
// as style_apply and the service load them (the width and head come from
// the file's tensors and are checked against them before building).
//
// The loader reads a path, so each input is written to a file first.
// A gf::Error is the expected answer to bad bytes; a crash, a sanitizer
// report or any other exception is a bug.
//
// Built and run by tests/fuzz/run.sh:  bash tests/fuzz/run.sh 60 style_net
#include <cstdint>

#include "gf/models/style/style_net.hpp"
#include "input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static InputFile file("style.safetensors");
  try {
    gf::models::load_style_net(file.write(data, size));
  } catch (const gf::Error&) {
  }
  return 0;
}
