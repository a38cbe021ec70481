#pragma once
// A bounded job queue feeding a fixed pool of worker threads: the heart of
// the web service, and nothing HTTP-specific.
//
//   submit(work) ----> [ queued: at most max_queue ] ----> worker 1 .. N ----> done / failed / cancelled
//        |                                                    |                        |
//        429 when full, 503 when closed           progress, cancellation        kept result_ttl, then freed
//
// Why this shape:
//  - a fixed pool sized for the machine: CPU kernels run fastest when the
//    number of busy threads matches the cores, so more concurrent requests
//    wait in the queue instead of slowing every request down;
//  - a bounded queue: beyond max_queue waiting jobs a client is told to come
//    back later (429) rather than waiting minutes while memory fills up;
//  - every wait is passive (condition variables): workers, HTTP threads and
//    event streams sleep in the kernel until there is something to do, so
//    nothing spins against the compute kernels for the same cores;
//  - one mutex guards all jobs: job updates are rare (a few per second per
//    job), so it is never contended, and one condition variable tells every
//    watcher (event streams, waiting requests) that something changed.
//
// A job's work gets a JobContext: it reports progress (0..1) and asks
// whether it should stop (cancelled by a client, or past the time limit), and
// returns a JobResult: bytes for the client plus a few named figures.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace gf::serve {

using Clock = std::chrono::steady_clock;

enum class JobState { kQueued, kRunning, kDone, kFailed, kCancelled };

/// "queued", "running", "done", "failed", "cancelled".
const char* to_string(JobState state);
/// done, failed or cancelled: the job will not change again.
inline bool is_final(JobState s) { return s == JobState::kDone || s == JobState::kFailed || s == JobState::kCancelled; }

/// What a finished job hands back.
struct JobResult {
  std::string body;          // e.g. the encoded image
  std::string content_type;  // e.g. "image/png"
  std::vector<std::pair<std::string, double>> figures;  // e.g. {"ssim", 0.61}, {"width", 512}
};

/// A job as seen from outside at one moment.
struct JobStatus {
  std::string id;
  JobState state = JobState::kQueued;
  double progress = 0.0;        // 0..1
  std::int64_t position = 0;    // 1 = next to start; 0 when not queued
  double elapsed_ms = 0.0;      // since submission, up to the end
  double run_ms = 0.0;          // time spent running
  std::string error;            // why it failed or was cancelled
  std::vector<std::pair<std::string, double>> figures;
  std::uint64_t version = 0;    // grows with every change
};

/// Thrown by JobContext::stop_if_asked(); the queue turns it into the
/// cancelled (or timed-out) state.
struct JobStopped {};

class JobQueue;
struct Job;

/// The job's side of the queue, given to its work function.
class JobContext {
 public:
  JobContext(JobQueue& queue, Job& job) : queue_(queue), job_(job) {}
  /// Reports progress in [0, 1]; watchers are woken.
  void set_progress(double fraction);
  /// True once a client cancelled the job or it ran past the time limit.
  bool should_stop() const;
  /// Throws JobStopped when should_stop(): call between steps of long work.
  void stop_if_asked() const;

 private:
  JobQueue& queue_;
  Job& job_;
};

using JobWork = std::function<JobResult(JobContext&)>;

struct JobQueueOptions {
  int workers = 1;
  std::size_t max_queue = 16;                     // queued (not yet running) jobs
  std::chrono::milliseconds job_timeout{120000};  // running time before a job is stopped
  std::chrono::milliseconds result_ttl{600000};   // finished jobs are forgotten after this
  std::size_t max_result_bytes = 256u << 20;      // beyond this, the oldest finished jobs are forgotten early
  std::function<void()> worker_init;              // runs first on every worker thread (e.g. thread count)
  std::function<void(const JobStatus&)> on_finished;  // as each job ends, under the queue's lock (metrics)
};

/// Why submit() refused a job.
struct QueueRefusal {
  enum class Reason { kFull, kClosed } reason;
  std::size_t queued;
};

class JobQueue {
 public:
  explicit JobQueue(JobQueueOptions options);
  ~JobQueue();  // shutdown(0)
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  /// Queues `work`; returns its status (with its new id and position), or a
  /// refusal when the queue is full or closed.
  std::variant<JobStatus, QueueRefusal> submit(JobWork work);

  /// The job's status; nullopt when unknown or forgotten.
  std::optional<JobStatus> status(const std::string& id);
  /// Blocks (passively) until the job's version differs from `seen`, or
  /// `until`; returns its status then (nullopt when forgotten). Every job
  /// ends during shutdown, so watchers are released by its final change.
  std::optional<JobStatus> wait_for_change(const std::string& id, std::uint64_t seen, Clock::time_point until);
  /// The result of a done job; null while it is not done or when unknown.
  std::shared_ptr<const JobResult> result(const std::string& id);

  /// Cancels a queued job at once, or asks a running one to stop and waits
  /// up to `wait` for it to; a finished job is forgotten (its result freed).
  /// Returns the status after that; nullopt when unknown.
  std::optional<JobStatus> cancel(const std::string& id, std::chrono::milliseconds wait);
  /// Forgets a finished job now (a result already delivered).
  void forget(const std::string& id);

  struct Stats {
    std::size_t queued = 0, running = 0, retained = 0;  // retained: finished, not yet forgotten
    std::size_t retained_bytes = 0;
    std::uint64_t finished[3] = {0, 0, 0};  // done, failed, cancelled since start
  };
  Stats stats();
  /// Mean running time of recent jobs (ms), for Retry-After hints; 0 before the first.
  double mean_run_ms();

  /// Refuses new jobs, cancels queued ones, lets running ones finish for up
  /// to `grace`, then asks them to stop; returns when every worker has exited.
  void shutdown(std::chrono::milliseconds grace);
  bool closed();

 private:
  friend class JobContext;
  void worker_loop();
  // The rest expect mutex_ held.
  JobStatus finish_locked(Job& job, JobState state, std::string error, std::shared_ptr<const JobResult> result);
  void sweep_locked(Clock::time_point now);  // forgets expired results, and the oldest beyond max_result_bytes
  JobStatus status_locked(const Job& job, Clock::time_point now) const;
  void changed_locked(Job& job);
  std::string new_id_locked();

  const JobQueueOptions options_;
  std::mutex mutex_;
  std::condition_variable work_ready_;  // workers: a job was queued, or shutdown
  std::condition_variable job_changed_;  // watchers: some job changed
  std::deque<std::shared_ptr<Job>> queued_;
  std::unordered_map<std::string, std::shared_ptr<Job>> jobs_;  // every job not yet forgotten
  std::deque<std::string> finished_order_;                       // ids, oldest finish first
  std::size_t running_ = 0, retained_bytes_ = 0;
  std::uint64_t finished_[3] = {0, 0, 0};
  double run_ms_ewma_ = 0.0;
  bool closed_ = false, stopping_ = false;
  std::random_device entropy_;  // job ids: unguessable, as they are the only key to a result
  std::vector<std::thread> workers_;
};

}  // namespace gf::serve
