// Whole-file reads and atomic writes on POSIX file descriptors (fsync needs them).
#include "io/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

#include "gf/core/error.hpp"
#include "gf/core/parse_number.hpp"

namespace gf::io {
namespace {

// Closes the descriptor when it goes out of scope, so every error path is clean.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  /// Closes now and reports failure (a failed close can mean lost data).
  bool close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

std::string os_reason() { return std::strerror(errno); }

constexpr std::string_view kTemporaryMark = ".tmp-";

// A name no other writer (thread or process) will pick: pid + a per-process
// counter. temporary_file_owner() reads the pid back.
std::filesystem::path temporary_sibling(const std::filesystem::path& target) {
  static std::atomic<unsigned> counter{0};
  const std::string name =
      detail::concat(".", target.filename().string(), kTemporaryMark, ::getpid(), "-", counter.fetch_add(1));
  return target.parent_path() / name;
}

// Makes the rename itself durable. Best effort: some file systems refuse fsync
// on directories, and the data is already safe in the renamed file.
void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_all(int fd, std::string_view bytes, const std::string& path, const char* op) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    GF_CHECK(n > 0, op, ": cannot write '", path, "': ", os_reason());
    done += static_cast<std::size_t>(n);
  }
}

std::optional<pid_t> temporary_file_owner(std::string_view filename) {
  // ".<name>.tmp-<pid>-<n>": the name is anything, so the mark is found from the right.
  const std::size_t mark = filename.rfind(kTemporaryMark);
  if (filename.size() < 2 || filename.front() != '.' || mark == std::string_view::npos || mark < 2)
    return std::nullopt;
  const std::string_view numbers = filename.substr(mark + kTemporaryMark.size());  // "<pid>-<n>"
  const std::size_t dash = numbers.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  // Unsigned, so a '-' sign is refused too.
  const auto pid = parse_number<unsigned long long>(numbers.substr(0, dash));
  const auto largest_pid = static_cast<unsigned long long>(std::numeric_limits<pid_t>::max());
  if (!pid || !parse_number<unsigned long long>(numbers.substr(dash + 1)) || *pid == 0 || *pid > largest_pid)
    return std::nullopt;
  return static_cast<pid_t>(*pid);
}

std::string read_file(const std::string& path, const char* op) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  GF_CHECK(fd.get() >= 0, op, ": cannot read '", path, "': ", os_reason());
  struct stat info {};
  GF_CHECK(::fstat(fd.get(), &info) == 0, op, ": cannot read '", path, "': ", os_reason());
  GF_CHECK(!S_ISDIR(info.st_mode), op, ": cannot read '", path, "': it is a directory");

  std::string bytes;
  bytes.reserve(static_cast<std::size_t>(info.st_size));
  char chunk[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    GF_CHECK(n >= 0, op, ": cannot read '", path, "': ", os_reason());
    if (n == 0) break;
    bytes.append(chunk, static_cast<std::size_t>(n));
  }
  return bytes;
}

void write_file_atomic(const std::string& path, std::string_view bytes, const char* op) {
  const std::filesystem::path target(path);
  const std::filesystem::path temp = temporary_sibling(target);
  FileDescriptor fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
  GF_CHECK(fd.get() >= 0, op, ": cannot create '", temp.string(), "' to write '", path, "': ", os_reason());
  try {
    write_all(fd.get(), bytes, path, op);
    GF_CHECK(::fsync(fd.get()) == 0, op, ": cannot flush '", path, "' to disk: ", os_reason());
    GF_CHECK(fd.close(), op, ": cannot close '", path, "': ", os_reason());
    std::error_code ec;
    std::filesystem::rename(temp, target, ec);
    GF_CHECK(!ec, op, ": cannot rename '", temp.string(), "' to '", path, "': ", ec.message());
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);  // leave no half-written temporary behind
    throw;
  }
  sync_directory(target.parent_path());
}

}  // namespace gf::io
