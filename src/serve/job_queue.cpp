#include "gf/serve/job_queue.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <new>

#include "gf/core/error.hpp"

namespace gf::serve {

// Every field but cancel_requested and deadline is guarded by JobQueue::mutex_.
struct Job {
  std::string id;
  JobWork work;  // dropped when the job ends, with whatever it captured
  JobState state = JobState::kQueued;
  double progress = 0.0;
  Clock::time_point submitted, started, finished;
  std::string error;
  std::shared_ptr<const JobResult> result;
  std::uint64_t version = 0;
  std::atomic<bool> cancel_requested{false};
  Clock::time_point deadline = Clock::time_point::max();  // set by its worker before the work starts
};

namespace {

std::size_t final_index(JobState s) { return s == JobState::kDone ? 0 : s == JobState::kFailed ? 1 : 2; }

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

const char* to_string(JobState state) {
  switch (state) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kDone: return "done";
    case JobState::kFailed: return "failed";
    default: return "cancelled";
  }
}

// ---- the job's side ---------------------------------------------------------------------

void JobContext::set_progress(double fraction) {
  std::lock_guard<std::mutex> lock(queue_.mutex_);
  job_.progress = std::clamp(fraction, 0.0, 1.0);
  queue_.changed_locked(job_);
}

bool JobContext::should_stop() const { return job_.cancel_requested.load() || Clock::now() > job_.deadline; }

void JobContext::stop_if_asked() const {
  if (should_stop()) throw JobStopped{};
}

// ---- the queue ------------------------------------------------------------------------

JobQueue::JobQueue(JobQueueOptions options) : options_(std::move(options)) {
  GF_CHECK(options_.workers >= 1 && options_.max_queue >= 1, "JobQueue: need at least one worker and a queue of ",
           "at least one job, got ", options_.workers, " and ", options_.max_queue);
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

JobQueue::~JobQueue() { shutdown(std::chrono::milliseconds(0)); }

std::string JobQueue::new_id_locked() {
  char id[33];
  std::snprintf(id, sizeof id, "%08x%08x%08x%08x", entropy_(), entropy_(), entropy_(), entropy_());
  return id;
}

void JobQueue::changed_locked(Job& job) {
  ++job.version;
  job_changed_.notify_all();
}

JobStatus JobQueue::status_locked(const Job& job, Clock::time_point now) const {
  JobStatus s;
  s.id = job.id;
  s.state = job.state;
  s.progress = job.state == JobState::kDone ? 1.0 : job.progress;
  if (job.state == JobState::kQueued) {
    const auto it = std::find_if(queued_.begin(), queued_.end(), [&](const auto& q) { return q.get() == &job; });
    s.position = static_cast<std::int64_t>(it - queued_.begin()) + 1;
  }
  const Clock::time_point end = is_final(job.state) ? job.finished : now;
  s.elapsed_ms = ms_between(job.submitted, end);
  if (job.state != JobState::kQueued && job.started != Clock::time_point{}) s.run_ms = ms_between(job.started, end);
  s.error = job.error;
  if (job.result) s.figures = job.result->figures;
  s.version = job.version;
  return s;
}

std::variant<JobStatus, QueueRefusal> JobQueue::submit(JobWork work) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Clock::time_point now = Clock::now();
  sweep_locked(now);
  if (closed_) return QueueRefusal{QueueRefusal::Reason::kClosed, queued_.size()};
  if (queued_.size() >= options_.max_queue) return QueueRefusal{QueueRefusal::Reason::kFull, queued_.size()};
  auto job = std::make_shared<Job>();
  do job->id = new_id_locked();
  while (jobs_.count(job->id) > 0);
  job->work = std::move(work);
  job->submitted = now;
  jobs_[job->id] = job;
  queued_.push_back(job);
  work_ready_.notify_one();
  return status_locked(*job, now);
}

void JobQueue::worker_loop() {
  if (options_.worker_init) options_.worker_init();
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
      if (queued_.empty()) return;  // stopping, nothing left to do
      job = queued_.front();
      queued_.pop_front();
      ++running_;
      job->state = JobState::kRunning;
      job->started = Clock::now();
      job->deadline = job->started + options_.job_timeout;
      changed_locked(*job);
      for (auto& waiting : queued_) changed_locked(*waiting);  // each moved up one place
    }

    JobContext context(*this, *job);
    JobState end = JobState::kDone;
    std::string error;
    std::shared_ptr<const JobResult> result;
    try {
      result = std::make_shared<const JobResult>(job->work(context));
    } catch (const JobStopped&) {
      end = JobState::kFailed;
    } catch (const std::bad_alloc&) {
      end = JobState::kFailed;
      error = "out of memory; try a smaller size";
    } catch (const std::exception& e) {
      end = JobState::kFailed;
      error = e.what();
    }
    // A stop request wins over whatever the work returned: a cancelled job
    // is cancelled even if it happened to finish, and one past its time
    // limit failed with that reason.
    if (job->cancel_requested.load()) {
      end = JobState::kCancelled;
      error = "cancelled";
      result.reset();
    } else if (end == JobState::kFailed && error.empty()) {
      error = "timed out: the job ran longer than " +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options_.job_timeout).count()) + " s";
    }

    std::lock_guard<std::mutex> lock(mutex_);
    --running_;
    job->work = nullptr;
    finish_locked(*job, end, std::move(error), std::move(result));
  }
}

JobStatus JobQueue::finish_locked(Job& job, JobState state, std::string error,
                                  std::shared_ptr<const JobResult> result) {
  const Clock::time_point now = Clock::now();
  job.state = state;
  job.finished = now;
  job.error = std::move(error);
  job.result = std::move(result);
  ++finished_[final_index(state)];
  if (job.result) retained_bytes_ += job.result->body.size();
  if (state == JobState::kDone) {
    const double ms = ms_between(job.started, now);
    run_ms_ewma_ = run_ms_ewma_ == 0.0 ? ms : 0.8 * run_ms_ewma_ + 0.2 * ms;
  }
  finished_order_.push_back(job.id);
  changed_locked(job);
  JobStatus status = status_locked(job, now);
  // Under the lock, so a watcher who sees the final state also sees its effects (metrics).
  if (options_.on_finished) options_.on_finished(status);
  sweep_locked(now);
  return status;
}

void JobQueue::sweep_locked(Clock::time_point now) {
  while (!finished_order_.empty()) {
    const auto it = jobs_.find(finished_order_.front());
    const bool forgotten = it == jobs_.end();
    if (!forgotten && it->second->finished + options_.result_ttl > now && retained_bytes_ <= options_.max_result_bytes)
      return;  // the oldest is still wanted, so are all younger ones
    if (!forgotten) {
      if (it->second->result) retained_bytes_ -= it->second->result->body.size();
      jobs_.erase(it);
    }
    finished_order_.pop_front();
  }
}

std::optional<JobStatus> JobQueue::status(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  const Clock::time_point now = Clock::now();
  sweep_locked(now);
  const auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return status_locked(*it->second, now);
}

std::optional<JobStatus> JobQueue::wait_for_change(const std::string& id, std::uint64_t seen,
                                                   Clock::time_point until) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    const auto it = jobs_.find(id);
    if (it == jobs_.end()) return std::nullopt;
    const Job& job = *it->second;
    if (job.version != seen || job_changed_.wait_until(lock, until) == std::cv_status::timeout)
      return status_locked(job, Clock::now());
  }
}

std::shared_ptr<const JobResult> JobQueue::result(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  sweep_locked(Clock::now());
  const auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : it->second->result;
}

std::optional<JobStatus> JobQueue::cancel(const std::string& id, std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  sweep_locked(Clock::now());
  const auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  const std::shared_ptr<Job> job = it->second;
  if (job->state == JobState::kQueued) {
    queued_.erase(std::find(queued_.begin(), queued_.end(), job));
    for (auto& waiting : queued_) changed_locked(*waiting);
    job->work = nullptr;
    return finish_locked(*job, JobState::kCancelled, "cancelled", nullptr);
  }
  if (job->state == JobState::kRunning) {
    job->cancel_requested = true;
    job_changed_.wait_for(lock, wait, [&] { return is_final(job->state); });
    return status_locked(*job, Clock::now());
  }
  const JobStatus answer = status_locked(*job, Clock::now());
  if (job->result) retained_bytes_ -= job->result->body.size();
  jobs_.erase(job->id);
  return answer;
}

void JobQueue::forget(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = jobs_.find(id);
  if (it == jobs_.end() || !is_final(it->second->state)) return;
  if (it->second->result) retained_bytes_ -= it->second->result->body.size();
  jobs_.erase(it);
}

JobQueue::Stats JobQueue::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  sweep_locked(Clock::now());
  Stats s;
  s.queued = queued_.size();
  s.running = running_;
  s.retained = jobs_.size() - queued_.size() - running_;
  s.retained_bytes = retained_bytes_;
  std::copy(std::begin(finished_), std::end(finished_), std::begin(s.finished));
  return s;
}

double JobQueue::mean_run_ms() {
  std::lock_guard<std::mutex> lock(mutex_);
  return run_ms_ewma_;
}

bool JobQueue::closed() {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

void JobQueue::shutdown(std::chrono::milliseconds grace) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (workers_.empty()) return;  // already shut down
    closed_ = true;
    for (auto& job : queued_) {
      job->work = nullptr;
      finish_locked(*job, JobState::kCancelled, "cancelled: the server is shutting down", nullptr);
    }
    queued_.clear();
    // Running jobs may finish within the grace period; then they are asked to stop.
    job_changed_.wait_for(lock, grace, [&] { return running_ == 0; });
    for (auto& [id, job] : jobs_)
      if (job->state == JobState::kRunning) job->cancel_requested = true;
    stopping_ = true;
    work_ready_.notify_all();
    job_changed_.notify_all();
  }
  for (std::thread& t : workers_) t.join();
  std::lock_guard<std::mutex> lock(mutex_);
  workers_.clear();
}

}  // namespace gf::serve
