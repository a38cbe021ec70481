#pragma once
// Running the example programs from the tests.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace gf::test {

/// Runs a program from the build's examples/ folder with `args`, stdout and
/// stderr into `log`; returns its exit code (-1 if it did not exit normally).
inline int run_program(const std::string& program, const std::string& args, const std::filesystem::path& log) {
  const std::string cmd = std::string(GF_EXAMPLES_DIR) + "/" + program + " " + args + " > " + log.string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace gf::test
