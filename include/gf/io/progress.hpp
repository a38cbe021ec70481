#pragma once
// A one-line progress bar for training loops.
//
//   gf::io::ProgressBar bar(total_steps, "epoch 1/5", std::cerr, {.items_per_step = 64, .unit = "img"});
//   for (std::int64_t step = 1; step <= total_steps; ++step) {
//     ...
//     bar.update(step, {{"loss_D", loss_d}, {"loss_G", loss_g}, {"D(x)", d_real}, {"D(G(z))", d_fake}});
//   }
//   bar.finish();
//
// prints
//
//   epoch 1/5 [=========>          ]  450/1000  45% | 1234.5 img/s | 0:01:02 ETA 0:01:15 | loss_D 1.234 loss_G 0.876
//
// On a terminal the line is redrawn in place ('\r') at most ~10 times a second.
// When the output is a pipe or a CI log it prints a whole line only every 10% of
// the run or every 30 seconds, so logs stay short. The line itself comes from
// format_progress(), a pure function the tests check directly.
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace gf::io {

/// One named number shown after the bar, e.g. {"loss_D", 1.234}.
struct Metric {
  std::string name;
  double value;
};

/// Everything one progress line shows.
struct ProgressView {
  std::string label;            // "epoch 2/5", may be empty
  std::int64_t step = 0;        // steps done
  std::int64_t total = 1;       // steps in the run, > 0
  double elapsed_s = 0.0;       // wall time since the run started
  double steps_per_s = 0.0;     // smoothed; <= 0 when not known yet (no rate, ETA "?")
  double items_per_step = 1.0;  // images per batch, say: the rate shown is steps_per_s * this
  std::string unit = "it";      // what an item is called: "img/s"
  int bar_width = 30;           // characters between the brackets (the widest the bar gets)
  std::vector<Metric> metrics;
};

/// "1:02:03" (h:mm:ss) for a duration in seconds, rounded down; "?" when
/// negative or not finite.
std::string format_duration(double seconds);

/// The progress line for `view`, without '\r' or newline. When `max_width` > 0
/// the bar shrinks (and disappears below 10 characters) so the line fits; what
/// still does not fit is cut off, because a wrapped line cannot be redrawn in place.
std::string format_progress(const ProgressView& view, int max_width = 0);

struct ProgressOptions {
  double items_per_step = 1.0;  // e.g. the batch size, for an images/s rate
  std::string unit = "it";
  int bar_width = 30;
  std::int64_t initial_step = 0;  // where a resumed run starts counting from

  /// How the output is treated: kAuto asks isatty() (std::cout and std::cerr/clog
  /// only; any other stream counts as a log).
  enum class Mode { kAuto, kTerminal, kLog };
  Mode mode = Mode::kAuto;
  double redraw_interval_s = 0.1;  // terminal: at most this often
  double log_every_percent = 10;   // log: a line each time the run passes a multiple of this ...
  double log_every_s = 30;         // ... or when this long has passed since the last line

  /// Seconds from any fixed origin; empty means std::chrono::steady_clock.
  /// Tests inject a fake clock here.
  std::function<double()> clock;
};

class ProgressBar {
 public:
  ProgressBar(std::int64_t total_steps, std::string label, std::ostream& out, ProgressOptions options = {});
  /// Prints to std::cerr.
  ProgressBar(std::int64_t total_steps, std::string label, ProgressOptions options = {});
  /// Ends an unfinished terminal line so later output starts on a fresh one.
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// Records that `step` steps are done, with the latest metric values, and
  /// redraws when the throttle allows.
  void update(std::int64_t step, std::vector<Metric> metrics = {});
  /// Changes the text before the bar, e.g. to the current epoch; shown at the next redraw.
  void set_label(std::string label);
  /// Prints `text` on a line of its own without garbling the bar (which a
  /// terminal gets back right after).
  void message(const std::string& text);
  /// Prints the final line and a newline. Later updates are ignored.
  void finish();

  /// The line as it would be drawn now.
  ProgressView view() const;
  bool is_terminal() const { return terminal_; }

 private:
  double now() const;
  ProgressView view_at(double now_s) const;
  void sample_rate(double now_s);
  std::int64_t log_bucket() const;
  bool due(double now_s) const;
  void draw(double now_s);

  std::ostream& out_;
  ProgressOptions options_;
  std::string label_;
  std::int64_t total_;
  bool terminal_ = false;
  int terminal_fd_ = -1;  // the file descriptor behind out_ when it is a terminal

  double start_s_ = 0.0;
  std::int64_t step_ = 0;
  std::vector<Metric> metrics_;

  // Rate: an exponential moving average of steps/s, sampled every few tenths of a second.
  double rate_ = 0.0;
  double sample_s_ = 0.0;
  std::int64_t sample_step_ = 0;

  // Throttling and redrawing.
  bool drawn_ = false;
  double last_draw_s_ = 0.0;
  std::int64_t last_drawn_step_ = -1;
  std::int64_t last_logged_bucket_ = -1;  // log mode: which log_every_percent slice was last printed
  std::size_t last_length_ = 0;           // terminal: characters to blank when the line gets shorter
  bool finished_ = false;
};

}  // namespace gf::io
