// The progress bar: a pure line formatter plus the object that decides when to
// draw it. Drawing is throttled differently for terminals (redraw in place, ~10
// per second) and for logs (a full line every 10% or 30 s).
#include "gf/io/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "gf/core/error.hpp"

namespace gf::io {
namespace {

// Below this many characters a bar says nothing; the line drops it instead.
constexpr int kMinBarWidth = 10;
// The rate is sampled at most this often, and smoothed over about this long.
constexpr double kRateSample_s = 1.0;
constexpr double kRateSmoothing_s = 10.0;

std::string printf_string(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

std::string pad_left(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

// "=========>          " for fraction 0.45 of 20 characters; all '=' when done.
std::string bar(double fraction, int width) {
  const int full = std::clamp(static_cast<int>(fraction * width), 0, width);
  std::string s(static_cast<std::size_t>(full), '=');
  if (full < width) s += '>';
  return s + std::string(static_cast<std::size_t>(width) - s.size(), ' ');
}

// The descriptor behind the standard streams; -1 for any other stream.
int stream_fd(const std::ostream& out) {
  if (&out == &std::cout) return STDOUT_FILENO;
  if (&out == &std::cerr || &out == &std::clog) return STDERR_FILENO;
  return -1;
}

// Columns of the terminal on `fd`, less one: writing the last column makes some
// terminals wrap, and a wrapped line cannot be redrawn with '\r'. 0 when unknown.
int usable_columns(int fd) {
  winsize size{};
  if (fd < 0 || ::ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_col == 0) return 0;
  return size.ws_col - 1;
}

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<long long>(seconds);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60, total % 60);
  return buffer;
}

std::string format_progress(const ProgressView& view, int max_width) {
  const std::int64_t total = std::max<std::int64_t>(view.total, 1);
  const std::int64_t done = std::clamp<std::int64_t>(view.step, 0, total);
  const double fraction = static_cast<double>(done) / static_cast<double>(total);
  const bool rate_known = view.steps_per_s > 0 && std::isfinite(view.steps_per_s);

  // Everything but the bar: "450/1000  45% | 1234.5 img/s | 0:01:02 ETA 0:01:15 | loss_D 1.234"
  // (the step is padded to the width of the total so the line does not jitter).
  const std::string total_text = std::to_string(total);
  const std::string counts = pad_left(std::to_string(view.step), total_text.size()) + "/" + total_text + " " +
                             pad_left(std::to_string(static_cast<int>(fraction * 100)), 3) + "%";
  const std::string rate =
      (rate_known ? printf_string("%.1f", view.steps_per_s * view.items_per_step) : "?") + " " + view.unit + "/s";
  const std::string eta = rate_known ? format_duration(static_cast<double>(total - done) / view.steps_per_s) : "?";
  std::string tail = counts + " | " + rate + " | " + format_duration(view.elapsed_s) + " ETA " + eta;
  if (!view.metrics.empty()) {
    tail += " |";
    for (const Metric& m : view.metrics) tail += " " + m.name + " " + printf_string("%.4g", m.value);
  }
  const std::string head = view.label.empty() ? "" : view.label + " ";

  int bar_width = view.bar_width;
  if (max_width > 0) bar_width = std::min(bar_width, max_width - static_cast<int>(head.size() + tail.size()) - 3);
  std::string line = head;
  if (bar_width >= kMinBarWidth) line.append("[").append(bar(fraction, bar_width)).append("] ");
  line += tail;
  if (max_width > 0 && line.size() > static_cast<std::size_t>(max_width)) line.resize(static_cast<std::size_t>(max_width));
  return line;
}

ProgressBar::ProgressBar(std::int64_t total_steps, std::string label, ProgressOptions options)
    : ProgressBar(total_steps, std::move(label), std::cerr, std::move(options)) {}

ProgressBar::ProgressBar(std::int64_t total_steps, std::string label, std::ostream& out, ProgressOptions options)
    : out_(out), options_(std::move(options)), label_(std::move(label)), total_(total_steps) {
  GF_CHECK(total_steps > 0, "ProgressBar: total_steps must be positive, got ", total_steps);
  GF_CHECK(options_.items_per_step > 0, "ProgressBar: items_per_step must be positive, got ",
           options_.items_per_step);
  GF_CHECK(options_.log_every_percent > 0 && options_.log_every_s > 0 && options_.redraw_interval_s >= 0,
           "ProgressBar: log_every_percent and log_every_s must be positive and redraw_interval_s non-negative, got ",
           options_.log_every_percent, ", ", options_.log_every_s, " and ", options_.redraw_interval_s);
  GF_CHECK(options_.initial_step >= 0 && options_.initial_step <= total_steps, "ProgressBar: initial_step ",
           options_.initial_step, " is outside 0..", total_steps);

  const int fd = stream_fd(out_);
  switch (options_.mode) {
    case ProgressOptions::Mode::kAuto: terminal_ = fd >= 0 && ::isatty(fd) == 1; break;
    case ProgressOptions::Mode::kTerminal: terminal_ = true; break;
    case ProgressOptions::Mode::kLog: terminal_ = false; break;
  }
  if (terminal_) terminal_fd_ = fd;

  start_s_ = sample_s_ = now();
  step_ = sample_step_ = options_.initial_step;
}

ProgressBar::~ProgressBar() {
  if (terminal_ && drawn_ && !finished_) out_ << '\n' << std::flush;
}

double ProgressBar::now() const { return options_.clock ? options_.clock() : steady_seconds(); }

void ProgressBar::update(std::int64_t step, std::vector<Metric> metrics) {
  if (finished_) return;
  step_ = step;
  metrics_ = std::move(metrics);
  const double now_s = now();
  sample_rate(now_s);
  if (due(now_s)) draw(now_s);
}

void ProgressBar::set_label(std::string label) { label_ = std::move(label); }

void ProgressBar::message(const std::string& text) {
  if (terminal_ && drawn_ && !finished_) {
    // Overwrite the bar with the message, then put the bar back below it.
    out_ << '\r' << text;
    if (text.size() < last_length_) out_ << std::string(last_length_ - text.size(), ' ');
    out_ << '\n';
    last_length_ = 0;
    draw(now());
  } else {
    out_ << text << '\n' << std::flush;
  }
}

void ProgressBar::finish() {
  if (finished_) return;
  const double now_s = now();
  if (terminal_ || last_drawn_step_ != step_) draw(now_s);
  if (terminal_) out_ << '\n' << std::flush;
  finished_ = true;
}

ProgressView ProgressBar::view() const { return view_at(now()); }

ProgressView ProgressBar::view_at(double now_s) const {
  const double elapsed = now_s - start_s_;
  // Until the first rate sample, the average since the start is the best guess.
  const double average = elapsed > 0 ? static_cast<double>(step_ - options_.initial_step) / elapsed : 0.0;
  return {label_, step_, total_, elapsed, rate_ > 0 ? rate_ : average, options_.items_per_step, options_.unit,
          options_.bar_width, metrics_};
}

// Folds the steps since the last sample into the moving average. The weight of
// a sample grows with the time it covers, so the smoothing time is the same
// however often update() is called.
void ProgressBar::sample_rate(double now_s) {
  const double dt = now_s - sample_s_;
  if (dt < kRateSample_s) return;
  const double rate = static_cast<double>(step_ - sample_step_) / dt;
  rate_ = rate_ > 0 ? rate_ + (rate - rate_) * (1.0 - std::exp(-dt / kRateSmoothing_s)) : rate;
  sample_s_ = now_s;
  sample_step_ = step_;
}

bool ProgressBar::due(double now_s) const {
  if (!drawn_) return true;
  const double since = now_s - last_draw_s_;
  if (terminal_) return since >= options_.redraw_interval_s || (step_ >= total_ && last_drawn_step_ != step_);
  return log_bucket() > last_logged_bucket_ || since >= options_.log_every_s;
}

void ProgressBar::draw(double now_s) {
  const std::string line = format_progress(view_at(now_s), terminal_ ? usable_columns(terminal_fd_) : 0);
  if (terminal_) {
    out_ << '\r' << line;
    if (line.size() < last_length_) out_ << std::string(last_length_ - line.size(), ' ');
    last_length_ = line.size();
  } else {
    out_ << line << '\n';
  }
  out_ << std::flush;

  drawn_ = true;
  last_draw_s_ = now_s;
  last_drawn_step_ = step_;
  last_logged_bucket_ = log_bucket();
}

// Which log_every_percent slice of the run the current step is in (10% slices: 0..10).
std::int64_t ProgressBar::log_bucket() const {
  return static_cast<std::int64_t>(100.0 * static_cast<double>(step_) / static_cast<double>(total_) /
                                   options_.log_every_percent);
}

}  // namespace gf::io
