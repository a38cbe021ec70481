#pragma once
// For fuzz targets whose parser reads a path, not bytes: each input is
// written to one file in memory-backed /dev/shm (a disk would slow the
// fuzzer down and wear for nothing), named per process so that parallel
// fuzzers (-jobs) do not overwrite each other's input.
//
//   static InputFile file("checkpoint.safetensors");
//   gf::models::load_generator(file.write(data, size));
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

class InputFile {
 public:
  /// `name` ends the file name; its extension is what the parser sees.
  explicit InputFile(const std::string& name) {
    const std::filesystem::path shm = "/dev/shm";
    const auto dir = std::filesystem::is_directory(shm) ? shm : std::filesystem::temp_directory_path();
    path_ = (dir / ("gf_fuzz_" + std::to_string(getpid()) + "_" + name)).string();
  }
  ~InputFile() { std::remove(path_.c_str()); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  /// Replaces the file's contents with the input; returns its path.
  const std::string& write(const std::uint8_t* data, std::size_t size) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out.flush()) {  // a full /dev/shm is the machine's problem, not the parser's
      std::perror(path_.c_str());
      std::abort();
    }
    return path_;
  }

 private:
  std::string path_;
};
