// metrics.csv read back, repaired and appended (gf/io/metrics_log.hpp).
#include "gf/io/metrics_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "gf/core/error.hpp"
#include "gf/core/parse_number.hpp"
#include "io/file.hpp"

namespace gf::io {
namespace {

constexpr const char* kOp = "metrics log";

std::string header_line(const std::vector<std::string>& columns) {
  std::string line;
  for (const std::string& name : columns) line += (line.empty() ? "" : ",") + name;
  return line + "\n";
}

// The row in `line` when it is exactly `width` comma-separated numbers with an
// integer step first; nothing for a torn or garbled line.
std::optional<MetricsRow> parse_row(std::string_view line, std::size_t width) {
  MetricsRow row;
  for (std::size_t start = 0, field = 0;; ++field) {
    const std::size_t comma = std::min(line.find(',', start), line.size());
    const std::string_view text = line.substr(start, comma - start);
    if (field == 0) {
      const auto step = parse_number<std::int64_t>(text);
      if (!step) return std::nullopt;
      row.step = *step;
    } else {
      const auto value = parse_number<double>(text);
      if (!value) return std::nullopt;
      row.values.push_back(*value);
    }
    if (comma == line.size()) break;
    start = comma + 1;
  }
  if (row.values.size() + 1 != width) return std::nullopt;
  return row;
}

}  // namespace

MetricsLog::MetricsLog(std::string path, std::vector<std::string> columns, std::int64_t resume_step)
    : path_(std::move(path)), columns_(std::move(columns)) {
  GF_CHECK(!columns_.empty() && columns_.front() == "step", kOp, " '", path_, "': the first column must be 'step'");
  if (resume_step > 0 && std::filesystem::exists(path_))
    keep_rows_of_file(resume_step);
  else
    write_file_atomic(path_, header_line(columns_), kOp);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  GF_CHECK(fd_ >= 0, kOp, ": cannot open '", path_, "' to append: ", std::strerror(errno));
}

MetricsLog::~MetricsLog() {
  if (fd_ >= 0) ::close(fd_);
}

void MetricsLog::keep_rows_of_file(std::int64_t resume_step) {
  const std::string text = read_file(path_, kOp);
  const std::string header = header_line(columns_);
  std::string kept = header;
  if (!text.empty()) {
    const std::size_t header_end = std::min(text.find('\n'), text.size());
    GF_CHECK(text.compare(0, header_end + 1, header) == 0, kOp, " '", path_, "': its header is '",
             text.substr(0, std::min<std::size_t>(header_end, 200)), "', not '", header.substr(0, header.size() - 1),
             "', so its rows are not this program's metrics; move the file away to start a new log");
    for (std::size_t start = header_end + 1; start < text.size();) {
      const std::size_t end = text.find('\n', start);
      if (end == std::string::npos) {  // the newline goes out with its row: without it the row was torn
        ++dropped_rows_;
        break;
      }
      const std::string_view line = std::string_view(text).substr(start, end - start);
      start = end + 1;
      const std::optional<MetricsRow> row = parse_row(line, columns_.size());
      const std::int64_t last_step = rows_.empty() ? 0 : rows_.back().step;
      if (!row || row->step <= last_step || row->step > resume_step) {
        ++dropped_rows_;
        continue;
      }
      rows_.push_back(*row);
      kept.append(line).append("\n");
    }
  }
  // Rewritten whole or not at all: a kill during the repair leaves the old file.
  if (kept != text) write_file_atomic(path_, kept, kOp);
}

void MetricsLog::append(std::int64_t step, const std::vector<double>& values) {
  GF_CHECK(values.size() + 1 == columns_.size(), kOp, " '", path_, "': got ", values.size(), " value(s) for the ",
           columns_.size() - 1, " columns after 'step'");
  GF_CHECK(rows_.empty() || step > rows_.back().step, kOp, " '", path_, "': step ", step, " does not follow step ",
           rows_.back().step);
  MetricsRow row{step, values};
  write_all(fd_, format(row), path_, kOp);  // one write(2) for the whole row, newline included
  rows_.push_back(std::move(row));
}

std::string MetricsLog::format(const MetricsRow& row) const {
  std::string line = std::to_string(row.step);
  for (const double v : row.values) {
    char number[32];  // the longest double, "-2.2250738585072014e-308", is 24 characters
    // to_chars writes the shortest text that reads back as exactly v.
    char* end = std::to_chars(number, number + sizeof number, v).ptr;
    line.append(",").append(number, end);
  }
  return line + "\n";
}

std::vector<double> MetricsLog::column(std::string_view name) const {
  const auto it = std::find(columns_.begin(), columns_.end(), name);
  GF_CHECK(it != columns_.end(), kOp, " '", path_, "': no column '", name, "'");
  const auto index = static_cast<std::size_t>(it - columns_.begin());
  std::vector<double> values;
  values.reserve(rows_.size());
  for (const MetricsRow& row : rows_)
    values.push_back(index == 0 ? static_cast<double>(row.step) : row.values[index - 1]);
  return values;
}

}  // namespace gf::io
