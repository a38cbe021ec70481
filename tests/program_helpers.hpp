#pragma once
// Running the example programs from the tests.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "io_helpers.hpp"

namespace gf::test {

/// Runs a program from the build's examples/ folder with `args`, stdout and
/// stderr into `log`; returns its exit code (-1 if it did not exit normally).
inline int run_program(const std::string& program, const std::string& args, const std::filesystem::path& log) {
  const std::string cmd = std::string(GF_EXAMPLES_DIR) + "/" + program + " " + args + " > " + log.string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// Runs a training program with `args` (no --resume, no --overwrite) into the
/// --out where an earlier run left `checkpoint`: it must stop with exit code 1,
/// name the file and both ways on, and leave the checkpoint as it was.
inline void check_refuses_to_replace(const std::string& program, const std::string& args,
                                     const std::filesystem::path& checkpoint, const std::filesystem::path& log) {
  const std::string before = read_bytes(checkpoint.string());
  CHECK(run_program(program, args, log) == 1);
  const std::string message = read_bytes(log.string());
  GF_CHECK_CONTAINS(message, checkpoint.string() + " holds the checkpoint of an earlier run");
  GF_CHECK_CONTAINS(message, "--resume " + checkpoint.string());
  GF_CHECK_CONTAINS(message, "--overwrite");
  CHECK(read_bytes(checkpoint.string()) == before);
}

}  // namespace gf::test
