// libFuzzer target for DCGAN training checkpoints, as dcgan_sample and
// dcgan_train --resume read them: models::read_trainer_options (the
// configuration in the metadata, checked against the weights present), then
// load_generator, then a GanTrainer built from that configuration loading
// the whole training state (networks, Adam states, fixed noise, RNG, step).
//
// The loaders read a path, so each input is written to a file first.
// A gf::Error is the expected answer to bad bytes; a crash, a sanitizer
// report or any other exception is a bug. Memory stays bounded because the
// configuration must fit in the values the (small) file holds.
//
// Built and run by tests/fuzz/run.sh:  bash tests/fuzz/run.sh 60 gan_checkpoint
#include <cstdint>

#include "gf/models/gan/gan_trainer.hpp"
#include "input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static InputFile file("checkpoint.safetensors");
  const std::string& path = file.write(data, size);
  try {
    const gf::models::GanTrainerOptions options =
        gf::models::read_trainer_options(gf::io::load_safetensors(path), path);
    gf::models::load_generator(path);
    gf::models::GanTrainer trainer(options);
    trainer.load(path);
  } catch (const gf::Error&) {
  }
  return 0;
}
