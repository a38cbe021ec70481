#pragma once
// Files for the io tests: a scratch directory and raw byte access.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "gf/core/error.hpp"

namespace gf::test {

/// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("gf_test_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The pid of a process that has exited and been reaped: no process has it
/// (until the system hands it out again, far later than a test needs).
inline pid_t pid_of_a_finished_process() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  REQUIRE(child > 0);
  ::waitpid(child, nullptr, 0);
  return child;
}

/// The name write_file_atomic gives its temporary for `target` in process `pid`.
inline std::string temporary_name(const std::string& target, pid_t pid, int n = 0) {
  return "." + target + ".tmp-" + std::to_string(pid) + "-" + std::to_string(n);
}

/// The message of the gf::Error that `fn` throws, or "" when it throws none.
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const gf::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace gf::test

/// CHECK that `message` contains `part`, showing both when it does not.
#define GF_CHECK_CONTAINS(message, part)                                                     \
  CHECK_MESSAGE(std::string(message).find(part) != std::string::npos, "'", part, "' not in: ", message)
