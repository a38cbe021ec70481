#pragma once
// metrics.csv: one row of numbers per training step, kept whole when the
// program is killed at any moment.
//
//   io::MetricsLog log(out / "metrics.csv", {"step", "loss_d", "loss_g"}, trainer.step());
//   log.append(stats.step, {stats.loss_d, stats.loss_g});   // on disk when it returns
//
// Each row reaches the file in one write(2) on a descriptor opened with
// O_APPEND: once append() returns, the row is in the kernel's page cache and
// survives a SIGKILL (not a power cut: there is no fsync per step). A kill
// during that write can leave a torn last row, and a run killed after its
// last checkpoint leaves rows the checkpoint never saw; resuming drops both,
// and anything else that does not parse, by rewriting the file atomically
// (write_file_atomic), never by truncating it in place.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gf::io {

/// One row: the training step and the values of the other columns, in order.
struct MetricsRow {
  std::int64_t step = 0;
  std::vector<double> values;
};

class MetricsLog {
 public:
  /// Opens the log at `path` with these `columns`: "step" first, then one name
  /// per value. `resume_step` 0 starts a new log, replacing any earlier file.
  /// k > 0 continues the file's log from a checkpoint at step k: it keeps the
  /// rows with steps up to k that parse, in increasing order, and drops the
  /// rest (see dropped_rows()). A file whose header is not `columns` is a
  /// gf::Error naming it: its rows would mean something else.
  MetricsLog(std::string path, std::vector<std::string> columns, std::int64_t resume_step);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  /// Appends the row for `step`, which must come after the last row's, with
  /// one value per column after "step".
  void append(std::int64_t step, const std::vector<double>& values);

  const std::vector<MetricsRow>& rows() const { return rows_; }
  /// Column `name` ("step" or a value's) across all rows.
  std::vector<double> column(std::string_view name) const;
  /// Rows of the file that opening it with a resume_step dropped: torn by a
  /// kill, malformed, out of order, or past the checkpoint's step.
  std::int64_t dropped_rows() const { return dropped_rows_; }
  const std::string& path() const { return path_; }

 private:
  void keep_rows_of_file(std::int64_t resume_step);
  std::string format(const MetricsRow& row) const;

  std::string path_;
  std::vector<std::string> columns_;
  std::vector<MetricsRow> rows_;
  std::int64_t dropped_rows_ = 0;
  int fd_ = -1;  // opened with O_APPEND
};

}  // namespace gf::io
