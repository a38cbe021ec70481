// The service's job queue: order, positions, progress, limits, cancellation,
// time limits, expiry, shutdown, and workers that sleep while idle.
#include <doctest/doctest.h>

#include <time.h>

#include <atomic>
#include <future>
#include <thread>

#include "gf/serve/job_queue.hpp"

using namespace gf::serve;
using namespace std::chrono_literals;

namespace {

// Something a job waits on until the test opens it.
struct Gate {
  std::promise<void> promise;
  std::shared_future<void> future = promise.get_future().share();
  void open() { promise.set_value(); }
};

JobWork waits_for(const Gate& gate, std::string body = "ok") {
  return [f = gate.future, body](JobContext&) {
    f.wait();
    return JobResult{body, "text/plain", {{"n", 1.0}}};
  };
}

JobStatus submitted(std::variant<JobStatus, QueueRefusal> v) {
  REQUIRE(std::holds_alternative<JobStatus>(v));
  return std::get<JobStatus>(v);
}

// Waits until the job is final (or 5 s pass) and returns its status.
JobStatus finished(JobQueue& q, const JobStatus& s) {
  JobStatus now = s;
  const auto until = Clock::now() + 5s;
  while (!is_final(now.state) && Clock::now() < until) {
    const auto next = q.wait_for_change(s.id, now.version, until);
    REQUIRE(next);
    now = *next;
  }
  return now;
}

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

}  // namespace

TEST_SUITE("job queue") {
  TEST_CASE("jobs run in submission order; positions count the jobs ahead") {
    JobQueue q({.workers = 1});
    Gate gate;
    std::mutex m;
    std::vector<int> order;
    const auto record = [&](int i) {
      return [&, i](JobContext&) {
        std::lock_guard<std::mutex> lock(m);
        order.push_back(i);
        return JobResult{};
      };
    };
    const JobStatus blocker = submitted(q.submit(waits_for(gate)));
    while (q.status(blocker.id)->state != JobState::kRunning) std::this_thread::sleep_for(1ms);
    const JobStatus a = submitted(q.submit(record(1)));
    const JobStatus b = submitted(q.submit(record(2)));
    CHECK(a.position == 1);
    CHECK(b.position == 2);
    CHECK(q.status(b.id)->state == JobState::kQueued);
    CHECK(q.stats().queued == 2);
    CHECK(q.stats().running == 1);
    gate.open();
    CHECK(finished(q, b).state == JobState::kDone);
    CHECK(finished(q, a).state == JobState::kDone);
    CHECK(order == std::vector<int>{1, 2});
    CHECK(a.id != b.id);
    CHECK(a.id.size() == 32);
  }

  TEST_CASE("progress wakes watchers; a done job has its result and figures") {
    JobQueue q({.workers = 1});
    Gate half, go;
    const JobStatus s = submitted(q.submit([&](JobContext& c) {
      c.set_progress(0.5);
      half.open();
      go.future.wait();
      return JobResult{"bytes", "image/png", {{"ssim", 0.75}}};
    }));
    half.future.wait();
    auto now = q.status(s.id);
    REQUIRE(now);
    CHECK(now->state == JobState::kRunning);
    CHECK(now->progress == 0.5);
    CHECK(q.result(s.id) == nullptr);
    // Nothing changes: the wait times out with the same version.
    const auto same = q.wait_for_change(s.id, now->version, Clock::now() + 50ms);
    CHECK(same->version == now->version);
    go.open();
    const JobStatus done = finished(q, *now);
    CHECK(done.state == JobState::kDone);
    CHECK(done.progress == 1.0);
    REQUIRE(done.figures.size() == 1);
    CHECK(done.figures[0].second == 0.75);
    const auto result = q.result(s.id);
    REQUIRE(result);
    CHECK(result->body == "bytes");
    CHECK(result->content_type == "image/png");
  }

  TEST_CASE("a full queue refuses, naming how many wait; worker_init runs on every worker") {
    std::atomic<int> inits = 0;
    JobQueue q({.workers = 2, .max_queue = 2, .worker_init = [&] { ++inits; }});
    Gate gate;
    for (int i = 0; i < 2; ++i) submitted(q.submit(waits_for(gate)));  // the two running
    while (q.stats().running < 2) std::this_thread::sleep_for(1ms);
    submitted(q.submit(waits_for(gate)));
    submitted(q.submit(waits_for(gate)));
    const auto refused = q.submit(waits_for(gate));
    REQUIRE(std::holds_alternative<QueueRefusal>(refused));
    CHECK(std::get<QueueRefusal>(refused).reason == QueueRefusal::Reason::kFull);
    CHECK(std::get<QueueRefusal>(refused).queued == 2);
    CHECK(inits == 2);
    gate.open();
  }

  TEST_CASE("cancelling: a queued job never runs, a running one stops at its next check") {
    JobQueue q({.workers = 1});
    std::atomic<bool> ran = false;
    std::atomic<int> steps = 0;
    const JobStatus running = submitted(q.submit([&](JobContext& c) {
      for (;;) {
        c.stop_if_asked();
        ++steps;
        std::this_thread::sleep_for(1ms);
      }
      return JobResult{};
    }));
    const JobStatus queued = submitted(q.submit([&](JobContext&) {
      ran = true;
      return JobResult{};
    }));
    while (steps == 0) std::this_thread::sleep_for(1ms);

    const auto q_cancelled = q.cancel(queued.id, 0ms);
    REQUIRE(q_cancelled);
    CHECK(q_cancelled->state == JobState::kCancelled);
    const auto r_cancelled = q.cancel(running.id, 2s);
    REQUIRE(r_cancelled);
    CHECK(r_cancelled->state == JobState::kCancelled);
    CHECK(r_cancelled->error == "cancelled");
    CHECK(!ran);
    CHECK(q.stats().finished[2] == 2);
    // Cancelling a finished job forgets it.
    CHECK(q.cancel(running.id, 0ms)->state == JobState::kCancelled);
    CHECK(!q.status(running.id));
    CHECK(!q.cancel("no-such-job", 0ms));
  }

  TEST_CASE("a job past the time limit fails saying so; errors fail a job with their message") {
    JobQueue q({.workers = 1, .job_timeout = 30ms});
    const JobStatus slow = submitted(q.submit([](JobContext& c) {
      for (;;) {
        c.stop_if_asked();
        std::this_thread::sleep_for(1ms);
      }
      return JobResult{};
    }));
    const JobStatus thrower = submitted(q.submit([](JobContext&) -> JobResult { throw std::runtime_error("boom"); }));
    const JobStatus hungry = submitted(q.submit([](JobContext&) -> JobResult { throw std::bad_alloc(); }));
    const JobStatus s = finished(q, slow);
    CHECK(s.state == JobState::kFailed);
    CHECK(s.error.find("timed out") == 0);
    CHECK(finished(q, thrower).error == "boom");
    CHECK(finished(q, hungry).error.find("out of memory") == 0);
    CHECK(q.stats().finished[1] == 3);
  }

  TEST_CASE("results are forgotten after their time to live, or oldest first beyond the byte budget") {
    {
      JobQueue q({.workers = 1, .result_ttl = 50ms});
      const JobStatus s = submitted(q.submit([](JobContext&) { return JobResult{"x", "text/plain", {}}; }));
      CHECK(finished(q, s).state == JobState::kDone);
      CHECK(q.result(s.id));
      std::this_thread::sleep_for(120ms);
      CHECK(!q.status(s.id));
      CHECK(!q.result(s.id));
      CHECK(q.stats().retained == 0);
    }
    {
      JobQueue q({.workers = 1, .max_result_bytes = 100});
      std::vector<JobStatus> jobs;
      for (int i = 0; i < 3; ++i) {
        jobs.push_back(submitted(q.submit([](JobContext&) { return JobResult{std::string(40, 'x'), "", {}}; })));
        finished(q, jobs.back());
      }
      CHECK(!q.status(jobs[0].id));  // 120 bytes > 100: the oldest went
      CHECK(q.status(jobs[1].id));
      CHECK(q.status(jobs[2].id));
      CHECK(q.stats().retained_bytes == 80);
      q.forget(jobs[1].id);
      CHECK(!q.status(jobs[1].id));
      CHECK(q.stats().retained_bytes == 40);
    }
  }

  TEST_CASE("shutdown cancels queued jobs, lets running ones finish within the grace, then stops them") {
    std::vector<JobStatus> ended;
    std::mutex m;
    JobQueue q({.workers = 2, .on_finished = [&](const JobStatus& s) {
                  std::lock_guard<std::mutex> lock(m);
                  ended.push_back(s);
                }});
    std::atomic<int> started = 0;
    const JobStatus quick = submitted(q.submit([&](JobContext&) {
      ++started;
      std::this_thread::sleep_for(100ms);
      return JobResult{"done", "", {}};
    }));
    const JobStatus endless = submitted(q.submit([&](JobContext& c) {
      ++started;
      for (;;) {
        c.stop_if_asked();
        std::this_thread::sleep_for(1ms);
      }
      return JobResult{};
    }));
    while (started < 2) std::this_thread::sleep_for(1ms);
    const JobStatus waiting = submitted(q.submit([](JobContext&) { return JobResult{}; }));

    const auto start = Clock::now();
    q.shutdown(500ms);
    const auto took = Clock::now() - start;
    CHECK(took >= 450ms);  // the endless job used the whole grace
    CHECK(took < 3s);
    CHECK(q.status(quick.id)->state == JobState::kDone);
    CHECK(q.status(endless.id)->state == JobState::kCancelled);
    CHECK(q.status(waiting.id)->state == JobState::kCancelled);
    CHECK(q.status(waiting.id)->error.find("shutting down") != std::string::npos);
    CHECK(ended.size() == 3);
    CHECK(q.closed());
    const auto refused = q.submit([](JobContext&) { return JobResult{}; });
    REQUIRE(std::holds_alternative<QueueRefusal>(refused));
    CHECK(std::get<QueueRefusal>(refused).reason == QueueRefusal::Reason::kClosed);
  }

  TEST_CASE("idle workers and watchers sleep: no CPU time is spent waiting") {
    JobQueue q({.workers = 4});
    Gate gate;
    const JobStatus s = submitted(q.submit(waits_for(gate)));
    std::thread watcher([&] { q.wait_for_change(s.id, q.status(s.id)->version + 1000, Clock::now() + 300ms); });
    const double before = process_cpu_seconds();
    std::this_thread::sleep_for(300ms);
    const double spent = process_cpu_seconds() - before;
    watcher.join();
    gate.open();
    CHECK(spent < 0.03);  // spinning threads would spend ~0.3 s each
  }
}
