// Refusing to replace a checkpoint, and removing temporaries of dead savers.
#include "gf/io/run_directory.hpp"

#include <signal.h>

#include <cerrno>
#include <filesystem>

#include "gf/core/error.hpp"
#include "io/file.hpp"

namespace gf::io {
namespace {

// kill with signal 0 checks for the process without touching it. Only ESRCH
// means it is gone: EPERM is a live process of another user.
bool process_is_running(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

}  // namespace

void prepare_run_directory(const std::string& out, bool may_replace_checkpoint) {
  const std::filesystem::path dir(out);
  if (!may_replace_checkpoint) refuse_to_replace_checkpoint((dir / "checkpoint.safetensors").string());
  std::filesystem::create_directories(dir / "samples");
  for (const auto& folder : {dir, dir / "samples"}) remove_stale_temporaries(folder.string());
}

void refuse_to_replace_checkpoint(const std::string& checkpoint) {
  GF_CHECK(!std::filesystem::exists(checkpoint), checkpoint,
           " holds the checkpoint of an earlier run, and this run would replace it; continue that run with --resume ",
           checkpoint, ", or start a new one over it with --overwrite (or choose another --out)");
}

std::vector<std::string> remove_stale_temporaries(const std::string& dir) {
  std::vector<std::string> removed;
  std::error_code ec;  // a missing or unreadable dir: the iterator starts at the end
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto owner = temporary_file_owner(entry.path().filename().string());
    if (!owner || !entry.is_regular_file() || process_is_running(*owner)) continue;
    if (std::filesystem::remove(entry.path(), ec)) removed.push_back(entry.path().string());
  }
  return removed;
}

}  // namespace gf::io
