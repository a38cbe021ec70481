// io::MetricsLog: rows on disk as soon as append() returns, and on resume the
// rows a kill tore, garbage, and the steps after the checkpoint dropped by an
// atomic rewrite, keeping every good row before them.
#include <filesystem>
#include <limits>

#include "gf/io/metrics_log.hpp"
#include "io_helpers.hpp"

using namespace gf;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kColumns = {"step", "epoch", "loss"};
const std::string kHeader = "step,epoch,loss\n";

// The rows 1..n as the log writes them: epoch 0, loss step + 0.5.
std::string rows_up_to(int n) {
  std::string text;
  for (int step = 1; step <= n; ++step) text += std::to_string(step) + ",0," + std::to_string(step) + ".5\n";
  return text;
}

// Checks that `log`, opened on a file, kept the rows 1..n, dropped `dropped`
// rows, and left the file holding exactly the rows it kept.
void check_kept(const io::MetricsLog& log, int n, std::int64_t dropped) {
  CHECK(log.dropped_rows() == dropped);
  std::vector<double> steps;
  for (int step = 1; step <= n; ++step) steps.push_back(step);
  CHECK(log.column("step") == steps);
  CHECK(test::read_bytes(log.path()) == kHeader + rows_up_to(n));
}

}  // namespace

TEST_SUITE("metrics log") {
  TEST_CASE("a new log: the header, then each row on disk as soon as append returns") {
    const test::TempDir dir("metrics_new");
    const std::string path = dir.file("metrics.csv");
    test::write_bytes(path, kHeader + rows_up_to(3));  // an earlier run's: a new log replaces it
    io::MetricsLog log(path, kColumns, 0);
    CHECK(test::read_bytes(path) == kHeader);
    log.append(1, {0, 0.5});
    // No buffer in between: a reader (or a SIGKILL) sees the row now.
    CHECK(test::read_bytes(path) == kHeader + "1,0,0.5\n");
    log.append(2, {1, 0.25});
    CHECK(test::read_bytes(path) == kHeader + "1,0,0.5\n2,1,0.25\n");
    CHECK(log.rows().size() == 2);
    CHECK(log.column("loss") == std::vector<double>{0.5, 0.25});
    CHECK(log.dropped_rows() == 0);
  }

  TEST_CASE("values read back exactly, however many digits they need") {
    const test::TempDir dir("metrics_exact");
    const std::string path = dir.file("metrics.csv");
    const std::vector<double> values = {0.1, 1.0 / 3.0, -2.2250738585072014e-308, 1e300, 123456789.125};
    {
      io::MetricsLog log(path, kColumns, 0);
      for (std::size_t i = 0; i < values.size(); ++i) log.append(static_cast<std::int64_t>(i) + 1, {0, values[i]});
      log.append(1'000'000'007, {0, std::numeric_limits<double>::infinity()});  // a big step stays an integer
    }
    const io::MetricsLog again(path, kColumns, 1'000'000'007);
    CHECK(again.dropped_rows() == 0);
    std::vector<double> expected = values;
    expected.push_back(std::numeric_limits<double>::infinity());
    CHECK(again.column("loss") == expected);
    CHECK(again.rows().back().step == 1'000'000'007);
  }

  TEST_CASE("resuming keeps the rows up to the checkpoint's step and appends after them") {
    const test::TempDir dir("metrics_resume");
    const std::string path = dir.file("metrics.csv");
    test::write_bytes(path, kHeader + rows_up_to(4));
    {
      io::MetricsLog log(path, kColumns, 4);
      check_kept(log, 4, 0);
      log.append(5, {0, 5.5});
    }
    CHECK(test::read_bytes(path) == kHeader + rows_up_to(5));
  }

  TEST_CASE("a row torn by a kill is dropped and the file repaired") {
    const test::TempDir dir("metrics_torn");
    const std::string path = dir.file("metrics.csv");
    SUBCASE("cut inside a number") { test::write_bytes(path, kHeader + rows_up_to(3) + "4,0,4."); }
    SUBCASE("all fields there, no newline yet") { test::write_bytes(path, kHeader + rows_up_to(3) + "4,0,4"); }
    SUBCASE("cut after the step") { test::write_bytes(path, kHeader + rows_up_to(3) + "4"); }
    io::MetricsLog log(path, kColumns, 10);
    check_kept(log, 3, 1);
    log.append(4, {0, 4.5});
    CHECK(test::read_bytes(path) == kHeader + rows_up_to(4));  // whole rows only
  }

  TEST_CASE("garbage rows are dropped wherever they are; the good rows around them stay") {
    const test::TempDir dir("metrics_garbage");
    const std::string path = dir.file("metrics.csv");
    const std::string rows = rows_up_to(4);
    const std::string one_two = rows.substr(0, rows.find("3,")), three_four = rows.substr(rows.find("3,"));
    test::write_bytes(path, kHeader + one_two +
                                "not,a,row\n"    // not numbers
                                "3,0\n"          // too few fields
                                "3,0,1,9\n"      // too many
                                "3.5,0,1\n"      // a step that is not an integer
                                "\n"             // empty
                                "1,0,0.25\n" +   // a step that does not increase
                                three_four + std::string("\x01\xff garbage", 10));
    check_kept(io::MetricsLog(path, kColumns, 4), 4, 7);
  }

  TEST_CASE("rows after the checkpoint's step are dropped: the resumed run writes them again") {
    const test::TempDir dir("metrics_past");
    const std::string path = dir.file("metrics.csv");
    test::write_bytes(path, kHeader + rows_up_to(9));
    check_kept(io::MetricsLog(path, kColumns, 6), 6, 3);
  }

  TEST_CASE("the repair replaces the file atomically instead of truncating it") {
    const test::TempDir dir("metrics_atomic");
    const std::string path = dir.file("metrics.csv");
    test::write_bytes(path, kHeader + rows_up_to(5) + "6,0,1.");
    // A second name for the old file: truncating in place would change what it shows.
    fs::create_hard_link(path, dir.file("old.csv"));
    const io::MetricsLog log(path, kColumns, 3);
    CHECK(test::read_bytes(path) == kHeader + rows_up_to(3));
    CHECK(test::read_bytes(dir.file("old.csv")) == kHeader + rows_up_to(5) + "6,0,1.");
    CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 2);  // no temporary left
  }

  TEST_CASE("a header-only file, an empty one and a missing one resume with no rows") {
    const test::TempDir dir("metrics_empty");
    const std::string path = dir.file("metrics.csv");
    SUBCASE("header only") { test::write_bytes(path, kHeader); }
    SUBCASE("empty") { test::write_bytes(path, ""); }
    SUBCASE("missing") {}
    io::MetricsLog log(path, kColumns, 7);
    CHECK(log.rows().empty());
    CHECK(log.dropped_rows() == 0);
    CHECK(test::read_bytes(path) == kHeader);
    log.append(8, {1, 2});
    CHECK(test::read_bytes(path) == kHeader + "8,1,2\n");
  }

  TEST_CASE("bad use is a clear error naming the file") {
    const test::TempDir dir("metrics_errors");
    const std::string path = dir.file("metrics.csv");
    test::write_bytes(path, "step,epoch,accuracy\n1,0,0.5\n");
    const std::string other = test::error_of([&] { io::MetricsLog(path, kColumns, 5); });
    GF_CHECK_CONTAINS(other, path);
    GF_CHECK_CONTAINS(other, "step,epoch,accuracy");
    CHECK(test::read_bytes(path) == "step,epoch,accuracy\n1,0,0.5\n");  // another log is left alone

    GF_CHECK_CONTAINS(test::error_of([&] { io::MetricsLog(dir.file("x.csv"), {"epoch", "loss"}, 0); }),
                      "first column must be 'step'");
    io::MetricsLog log(dir.file("m.csv"), kColumns, 0);
    GF_CHECK_CONTAINS(test::error_of([&] { log.append(1, {0}); }), "got 1 value(s) for the 2 columns after 'step'");
    log.append(3, {0, 1});
    GF_CHECK_CONTAINS(test::error_of([&] { log.append(3, {0, 1}); }), "step 3 does not follow step 3");
    GF_CHECK_CONTAINS(test::error_of([&] { log.column("accuracy"); }), "no column 'accuracy'");
    GF_CHECK_CONTAINS(test::error_of([&] { io::MetricsLog(dir.file("nowhere/m.csv"), kColumns, 0); }),
                      dir.file("nowhere/m.csv"));
  }
}
