// libFuzzer target for the IDX reader (MNIST, Fashion-MNIST), data::read_idx,
// through the two readers the datasets use: images (3 dims) and labels (1 dim).
//
// read_idx reads a path through zlib, which inflates gzip data and passes
// plain data through, whatever the file is called; the input is written under
// a plain and a .gz name all the same, as the datasets name their files both
// ways. The seeds hold both plain and gzip-compressed files.
// A gf::Error is the expected answer to bad bytes; a crash, a sanitizer
// report or any other exception is a bug.
//
// Built and run by tests/fuzz/run.sh:  bash tests/fuzz/run.sh 60 idx
#include <cstdint>

#include "gf/data/idx.hpp"
#include "input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static InputFile plain("train-images-idx3-ubyte"), gzipped("train-images-idx3-ubyte.gz");
  for (InputFile* file : {&plain, &gzipped}) {
    const std::string& path = file->write(data, size);
    try {
      gf::data::read_idx_images(path);
    } catch (const gf::Error&) {
    }
    try {
      gf::data::read_idx_labels(path);
    } catch (const gf::Error&) {
    }
  }
  return 0;
}
