// The progress bar: the pure line formatter (bar, counts, rate, ETA, metrics,
// fitting a width) and the bar object's throttling under a fake clock, for
// terminals and for logs.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "gf/io/progress.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

using namespace gf;
using io::format_progress;
using io::ProgressBar;
using io::ProgressOptions;
using io::ProgressView;

namespace {

// A clock the test moves by hand.
struct FakeClock {
  double now = 100.0;
  std::function<double()> fn() {
    return [this] { return now; };
  }
};

std::vector<io::Metric> gan_metrics() { return {{"loss_D", 1.234}, {"loss_G", 0.876}, {"D(x)", 0.61}, {"D(G(z))", 0.32}}; }

std::size_t count(const std::string& s, char c) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), c)); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_SUITE("progress") {
  TEST_CASE("format_duration gives h:mm:ss, rounded down, '?' when unknown") {
    CHECK(io::format_duration(0) == "0:00:00");
    CHECK(io::format_duration(59.99) == "0:00:59");
    CHECK(io::format_duration(61) == "0:01:01");
    CHECK(io::format_duration(3600 + 2 * 60 + 3) == "1:02:03");
    CHECK(io::format_duration(100 * 3600.0) == "100:00:00");
    CHECK(io::format_duration(-1) == "?");
    CHECK(io::format_duration(std::nan("")) == "?");
    CHECK(io::format_duration(INFINITY) == "?");
  }

  TEST_CASE("a line: bar, counts, percentage, items/s, elapsed, ETA from the rate, metrics") {
    ProgressView v;
    v.label = "epoch 1/5";
    v.step = 450, v.total = 1000;
    v.elapsed_s = 62.5;
    v.steps_per_s = 6.0;  // 550 steps left -> 91.7 s
    v.items_per_step = 64, v.unit = "img";
    v.bar_width = 20;
    v.metrics = gan_metrics();
    CHECK(format_progress(v) ==
          "epoch 1/5 [=========>          ]  450/1000  45% | 384.0 img/s | 0:01:02 ETA 0:01:31 | "
          "loss_D 1.234 loss_G 0.876 D(x) 0.61 D(G(z)) 0.32");

    // The percentage rounds down, so 100% means done; done is a full bar and no time left.
    v.step = 999;
    CHECK(format_progress(v).find(" 999/1000  99% ") != std::string::npos);
    v.step = 1000;
    GF_CHECK_CONTAINS(format_progress(v), "[====================] 1000/1000 100% |");
    GF_CHECK_CONTAINS(format_progress(v), "ETA 0:00:00");

    // Step 0: an empty bar with its head at the start; no label, no metrics.
    ProgressView start;
    start.total = 7, start.bar_width = 10;
    CHECK(format_progress(start) == "[>         ] 0/7   0% | ? it/s | 0:00:00 ETA ?");
  }

  TEST_CASE("ETA is the steps left over the smoothed rate") {
    ProgressView v;
    v.total = 10000, v.bar_width = 10;
    for (const auto& [step, rate, eta] : {std::tuple{0, 1.0, "2:46:40"}, std::tuple{9000, 0.5, "0:33:20"},
                                         std::tuple{9999, 4.0, "0:00:00"}, std::tuple{5000, 1000.0, "0:00:05"}}) {
      v.step = step, v.steps_per_s = rate;
      CAPTURE(step);
      GF_CHECK_CONTAINS(format_progress(v), std::string("ETA ") + eta);
    }
  }

  TEST_CASE("a width limit shrinks the bar, then drops it, then cuts the line") {
    ProgressView v;
    v.label = "train";
    v.step = 5, v.total = 10, v.steps_per_s = 2;
    v.metrics = gan_metrics();
    const std::string full = format_progress(v);  // bar of 30
    const std::size_t bar_less = full.size() - 33;  // "[" + 30 + "] "
    CHECK(format_progress(v, static_cast<int>(full.size()) + 10) == full);

    const std::string narrow = format_progress(v, static_cast<int>(bar_less) + 15);  // room for a bar of 12
    CHECK(narrow.size() <= bar_less + 15);
    GF_CHECK_CONTAINS(narrow, "[======>     ]");

    const std::string no_bar = format_progress(v, static_cast<int>(bar_less) + 5);  // a bar of 2 would say nothing
    CHECK(no_bar.find('[') == std::string::npos);
    GF_CHECK_CONTAINS(no_bar, "train  5/10  50% |");

    const std::string cut = format_progress(v, 20);
    CHECK(cut.size() == 20);
    CHECK(cut == no_bar.substr(0, 20));
  }

  TEST_CASE("log output: a line at the start, at every 10% and at the end, not per step") {
    FakeClock clock;
    std::ostringstream out;
    {
      ProgressBar bar(1000, "train", out, {.mode = ProgressOptions::Mode::kLog, .clock = clock.fn()});
      CHECK_FALSE(bar.is_terminal());
      for (int step = 1; step <= 1000; ++step) {
        clock.now += 0.01;  // 10 s in all: the 30 s rule never fires
        bar.update(step, gan_metrics());
      }
      bar.finish();  // the last line was already printed at 100%
      bar.update(1001, {});  // ignored after finish
    }
    const std::vector<std::string> lines = lines_of(out.str());
    REQUIRE(lines.size() == 11);
    CHECK(out.str().find('\r') == std::string::npos);
    GF_CHECK_CONTAINS(lines[0], "   1/1000   0%");
    for (int i = 1; i <= 10; ++i) {
      CAPTURE(i);
      GF_CHECK_CONTAINS(lines[static_cast<std::size_t>(i)], std::to_string(100 * i) + "/1000");
    }
    GF_CHECK_CONTAINS(lines.back(), "loss_D 1.234");
  }

  TEST_CASE("log output: a slow run also prints every 30 seconds, and finish prints the last step") {
    FakeClock clock;
    std::ostringstream out;
    ProgressBar bar(1000, "", out, {.mode = ProgressOptions::Mode::kLog, .clock = clock.fn()});
    for (int step = 1; step <= 50; ++step) {  // 1 s per step, under 10% of the run
      clock.now += 1.0;
      bar.update(step);
    }
    bar.finish();
    const std::vector<std::string> lines = lines_of(out.str());
    REQUIRE(lines.size() == 3);
    GF_CHECK_CONTAINS(lines[0], "   1/1000");
    GF_CHECK_CONTAINS(lines[1], "  31/1000");  // 30 s after the first line
    GF_CHECK_CONTAINS(lines[2], "  50/1000");
  }

  TEST_CASE("terminal output: redrawn in place at most every redraw interval, newline at finish") {
    FakeClock clock;
    std::ostringstream out;
    ProgressBar bar(100, "train", out,
                    {.mode = ProgressOptions::Mode::kTerminal, .redraw_interval_s = 0.25, .clock = clock.fn()});
    CHECK(bar.is_terminal());
    for (int step = 1; step <= 100; ++step) {
      clock.now += 0.0625;  // exact in binary: every 4th step is 0.25 s after the last draw
      bar.update(step);
    }
    // Steps 1, 5, 9, ..., 97 (25 draws) and the final step 100.
    CHECK(count(out.str(), '\r') == 26);
    CHECK(count(out.str(), '\n') == 0);
    bar.finish();
    CHECK(count(out.str(), '\n') == 1);
    CHECK(out.str().back() == '\n');
    const std::string last = out.str().substr(out.str().rfind('\r') + 1);
    GF_CHECK_CONTAINS(last, "100/100 100%");
  }

  TEST_CASE("terminal output: a shorter line blanks what is left of the longer one") {
    FakeClock clock;
    std::ostringstream out;
    ProgressBar bar(10, "", out, {.mode = ProgressOptions::Mode::kTerminal, .redraw_interval_s = 0, .clock = clock.fn()});
    bar.update(1, {{"long_metric_name", 1}});
    const std::size_t first = out.str().size() - 1;  // without the '\r'
    bar.update(2);
    const std::string second = out.str().substr(first + 2);
    CHECK(second.size() == first);  // padded with spaces to the old length
    CHECK(second.back() == ' ');
  }

  TEST_CASE("message() prints its own line; on a terminal the bar comes back below it") {
    FakeClock clock;
    std::ostringstream log_out, term_out;
    ProgressBar log_bar(10, "", log_out, {.mode = ProgressOptions::Mode::kLog, .clock = clock.fn()});
    log_bar.update(1);
    log_bar.message("saved samples.png");
    CHECK(lines_of(log_out.str()).back() == "saved samples.png");

    ProgressBar term_bar(10, "", term_out, {.mode = ProgressOptions::Mode::kTerminal, .clock = clock.fn()});
    term_bar.update(1);
    term_bar.message("saved samples.png");
    const std::string text = term_out.str();
    const std::size_t at = text.find("\rsaved samples.png");
    REQUIRE(at != std::string::npos);
    GF_CHECK_CONTAINS(text.substr(at), "\n\r");  // the message ends its line, then the bar is redrawn
    GF_CHECK_CONTAINS(text.substr(text.rfind('\r')), "1/10");
  }

  TEST_CASE("the rate is smoothed over time and follows a change of speed") {
    FakeClock clock;
    std::ostringstream out;
    ProgressBar bar(100000, "", out, {.items_per_step = 32, .mode = ProgressOptions::Mode::kLog, .clock = clock.fn()});
    std::int64_t step = 0;
    const auto run = [&](double seconds_per_step, double seconds) {
      for (double t = 0; t < seconds; t += seconds_per_step) {
        clock.now += seconds_per_step;
        bar.update(++step);
      }
    };
    run(0.5, 60);
    CHECK(bar.view().steps_per_s == doctest::Approx(2.0).epsilon(1e-6));
    run(0.25, 2);  // a short burst moves the average only a little ...
    CHECK(bar.view().steps_per_s < 2.5);
    run(0.25, 80);  // ... a lasting change of speed moves it all the way
    CHECK(bar.view().steps_per_s == doctest::Approx(4.0).epsilon(0.01));
    GF_CHECK_CONTAINS(format_progress(bar.view()), "128.0 it/s");
  }

  TEST_CASE("a resumed run counts its rate from initial_step") {
    FakeClock clock;
    std::ostringstream out;
    ProgressBar bar(1000, "", out, {.initial_step = 500, .mode = ProgressOptions::Mode::kLog, .clock = clock.fn()});
    clock.now += 0.5;
    bar.update(501);
    // Before the first rate sample: the average over this run's steps (1 step in 0.5 s), not 501 / 0.5.
    CHECK(bar.view().steps_per_s == doctest::Approx(2.0));
    GF_CHECK_CONTAINS(lines_of(out.str())[0], "ETA 0:04:09");  // 499 steps at 2 per second
  }

  TEST_CASE("a terminal bar left unfinished ends its line when destroyed") {
    std::ostringstream out;
    {
      ProgressBar bar(10, "", out, {.mode = ProgressOptions::Mode::kTerminal});
      bar.update(3);
    }
    CHECK(out.str().back() == '\n');
  }

  TEST_CASE("a stream that is not std::cout or std::cerr counts as a log") {
    std::ostringstream out;
    CHECK_FALSE(ProgressBar(10, "", out).is_terminal());
  }

  TEST_CASE("bad settings are refused with the setting named") {
    std::ostringstream out;
    GF_CHECK_CONTAINS(test::error_of([&] { ProgressBar(0, "", out); }), "total_steps must be positive, got 0");
    GF_CHECK_CONTAINS(test::error_of([&] { ProgressBar(10, "", out, {.items_per_step = 0}); }), "items_per_step");
    GF_CHECK_CONTAINS(test::error_of([&] { ProgressBar(10, "", out, {.initial_step = 11}); }),
                      "initial_step 11 is outside 0..10");
  }
}
