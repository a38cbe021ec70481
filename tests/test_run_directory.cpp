// A training run's --out folder: an earlier checkpoint is refused unless the
// user asks to continue or replace it, and the temporaries of killed saves are
// removed while those of running ones stay.
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "gf/io/run_directory.hpp"
#include "io/file.hpp"
#include "io_helpers.hpp"

using namespace gf;
using test::pid_of_a_finished_process;
using test::temporary_name;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_SUITE("run directory") {
  TEST_CASE("temporary_file_owner reads the pid from write_file_atomic's names and from nothing else") {
    CHECK(io::temporary_file_owner(".checkpoint.safetensors.tmp-1234-0") == 1234);
    CHECK(io::temporary_file_owner(".a.tmp-b.tmp-77-12") == 77);  // the target's own name may hold the mark
    CHECK(io::temporary_file_owner(".x.tmp-" + std::to_string(::getpid()) + "-3") == ::getpid());
    for (const char* other : {"checkpoint.safetensors", "x.tmp-12-0", ".tmp-12-0", ".x.tmp-12", ".x.tmp-12-",
                              ".x.tmp--12-0", ".x.tmp-0-0", ".x.tmp-ab-0", ".x.tmp-12-3b", ".x.tmp-99999999999999-0",
                              ".bashrc", ""})
      CHECK_MESSAGE(!io::temporary_file_owner(other), other);
  }

  TEST_CASE("remove_stale_temporaries removes a dead process's temporaries and nothing else") {
    const test::TempDir dir("stale");
    const pid_t dead = pid_of_a_finished_process();
    const std::string stale1 = temporary_name("checkpoint.safetensors", dead, 0);
    const std::string stale2 = temporary_name("loss_curve.png", dead, 7);
    const std::string running = temporary_name("checkpoint.safetensors", ::getpid());  // a save in progress
    for (const std::string& name : {stale1, stale2, running, std::string("checkpoint.safetensors"),
                                    std::string(".hidden"), std::string("metrics.csv")})
      test::write_bytes(dir.file(name), "x");
    fs::create_directory(dir.path() / temporary_name("folder", dead));  // only files are removed
    fs::create_directories(dir.path() / "samples");
    test::write_bytes((dir.path() / "samples" / temporary_name("step.png", dead)).string(), "x");  // not below dir

    std::vector<std::string> removed = io::remove_stale_temporaries(dir.path().string());
    std::sort(removed.begin(), removed.end());
    CHECK(removed == std::vector<std::string>{dir.file(stale1), dir.file(stale2)});
    std::vector<std::string> left = {running, ".hidden", temporary_name("folder", dead), "checkpoint.safetensors",
                                     "metrics.csv", "samples"};
    std::sort(left.begin(), left.end());
    CHECK(names_in(dir.path()) == left);
    CHECK(io::remove_stale_temporaries(dir.file("nowhere")).empty());
  }

  TEST_CASE("refuse_to_replace_checkpoint names the file and both ways on") {
    const test::TempDir dir("refuse");
    const std::string checkpoint = dir.file("checkpoint.safetensors");
    CHECK(test::error_of([&] { io::refuse_to_replace_checkpoint(checkpoint); }).empty());
    test::write_bytes(checkpoint, "trained");
    const std::string message = test::error_of([&] { io::refuse_to_replace_checkpoint(checkpoint); });
    GF_CHECK_CONTAINS(message, checkpoint);
    GF_CHECK_CONTAINS(message, "--resume " + checkpoint);
    GF_CHECK_CONTAINS(message, "--overwrite");
    CHECK(test::read_bytes(checkpoint) == "trained");
  }

  TEST_CASE("prepare_run_directory: refuses an earlier checkpoint unless asked, makes samples/, cleans both") {
    const test::TempDir dir("prepare");
    const fs::path out = dir.path() / "run";
    io::prepare_run_directory(out.string(), false);  // a new folder
    CHECK(fs::is_directory(out / "samples"));

    const pid_t dead = pid_of_a_finished_process();
    test::write_bytes((out / "checkpoint.safetensors").string(), "trained");
    test::write_bytes((out / temporary_name("checkpoint.safetensors", dead)).string(), "half");
    test::write_bytes((out / "samples" / temporary_name("epoch_001.png", dead)).string(), "half");
    GF_CHECK_CONTAINS(test::error_of([&] { io::prepare_run_directory(out.string(), false); }), "--overwrite");
    CHECK(names_in(out).size() == 3);  // refused before touching anything

    io::prepare_run_directory(out.string(), true);
    CHECK(names_in(out) == std::vector<std::string>{"checkpoint.safetensors", "samples"});
    CHECK(names_in(out / "samples").empty());
  }
}
