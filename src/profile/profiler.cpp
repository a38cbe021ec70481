// The profiler's bookkeeping: a stack of open scopes per thread, and one row
// of sums per module path, shared by all threads behind a mutex.
#include "gf/profile/profiler.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <unordered_map>

#include "gf/core/allocator.hpp"
#include "gf/core/machine.hpp"
#include "gf/core/parallel.hpp"

namespace gf {
namespace {

using Clock = std::chrono::steady_clock;

struct Frame {
  std::string path;
  std::size_t row;
  Profiler::Phase phase;
  Clock::time_point start;
  double nested_s = 0;  // time spent in scopes opened inside this one
};

// The scopes open on this thread, innermost last.
thread_local std::vector<Frame> t_frames;

struct State {
  std::mutex mutex;
  std::vector<Profiler::Row> rows;
  std::unordered_map<std::string, std::size_t> row_of_path;
  std::unordered_map<const void*, std::string> names;
};

State& state() {
  static State s;
  return s;
}

// The row for `path`, created on first use; call with the mutex held.
std::size_t row_for(State& s, const std::string& path, const std::string& type) {
  auto [it, fresh] = s.row_of_path.try_emplace(path, s.rows.size());
  if (fresh) s.rows.push_back({path, type});
  if (s.rows[it->second].type.empty()) s.rows[it->second].type = type;
  return it->second;
}

std::string format(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

}  // namespace

void Profiler::reset() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.rows.clear();
  s.row_of_path.clear();
  s.names.clear();
}

void Profiler::name_scope(const void* owner, const std::string& path) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.names[owner] = path;
}

std::string Profiler::scope_name(const void* owner) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  const auto it = s.names.find(owner);
  return it == s.names.end() ? std::string() : it->second;
}

Profiler::Scope::Scope(std::string path, std::string type, Phase phase) {
  State& s = state();
  std::size_t row;
  {
    std::lock_guard lock(s.mutex);
    row = row_for(s, path, type);
    if (phase == Phase::kForward) ++s.rows[row].calls;
  }
  t_frames.push_back({std::move(path), row, phase, Clock::now()});
}

Profiler::Scope::~Scope() {
  const Frame frame = std::move(t_frames.back());
  t_frames.pop_back();
  const double elapsed = std::chrono::duration<double>(Clock::now() - frame.start).count();
  if (!t_frames.empty()) t_frames.back().nested_s += elapsed;
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (frame.row >= s.rows.size()) return;  // reset() ran while this scope was open
  Row& row = s.rows[frame.row];
  (frame.phase == Phase::kForward ? row.forward_s : row.backward_s) += elapsed - frame.nested_s;
}

const std::string& Profiler::current_scope() {
  static const std::string none;
  return t_frames.empty() ? none : t_frames.back().path;
}

void Profiler::add_work_to_current(double flops, double bytes) {
  if (t_frames.empty()) return;
  const Frame& frame = t_frames.back();
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (frame.row >= s.rows.size()) return;  // reset() ran while this scope was open
  Row& row = s.rows[frame.row];
  if (frame.phase == Phase::kForward) {
    row.forward_flops += flops, row.forward_bytes += bytes;
  } else {
    row.backward_flops += flops, row.backward_bytes += bytes;
  }
}

double Profiler::bytes_of(const std::vector<Tensor>& tensors) {
  double bytes = 0;
  for (const Tensor& t : tensors)
    if (t.defined()) bytes += static_cast<double>(t.numel()) * static_cast<double>(dtype_size(t.dtype()));
  return bytes;
}

std::vector<Profiler::Row> Profiler::rows() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  return s.rows;
}

std::string Profiler::report(std::int64_t steps) {
  const std::vector<Row> all = rows();
  const double per_step = 1.0 / static_cast<double>(steps > 0 ? steps : 1);
  const int threads = num_threads();
  const CpuPeak machine = cpu_fp32_peak(threads);
  const double peak = machine.gflops();
  int path_width = 5;
  for (const Row& r : all) path_width = std::max(path_width, static_cast<int>(r.path.size()));

  // One line: times in ms, work in GFLOP and GB, all per step.
  auto line = [&](const std::string& path, const std::string& type, double fwd_s, double bwd_s, double flops,
                  double bytes) {
    const double seconds = fwd_s + bwd_s, gflops = flops / 1e9;
    std::string rate = "      -", share = "      -";
    if (flops > 0 && seconds > 0) {
      rate = format("%7.1f", gflops / seconds);
      if (peak > 0) share = format("%6.1f%%", 100.0 * gflops / seconds / peak);
    }
    return format("%-*s  %-16s %8.3f %8.3f %8.4f %8.4f  %s  %s\n", path_width, path.c_str(), type.c_str(),
                  1e3 * fwd_s * per_step, 1e3 * bwd_s * per_step, gflops * per_step, bytes / 1e9 * per_step,
                  rate.c_str(), share.c_str());
  };

  std::string out = format("%-*s  %-16s %8s %8s %8s %8s  %7s  %7s\n", path_width, "layer", "type", "fwd ms", "bwd ms",
                           "GFLOP", "GB", "GFLOP/s", "% peak");
  double fwd_s = 0, bwd_s = 0, flops = 0, bytes = 0;
  for (const Row& r : all) {
    out += line(r.path, r.type, r.forward_s, r.backward_s, r.forward_flops + r.backward_flops,
                r.forward_bytes + r.backward_bytes);
    fwd_s += r.forward_s, bwd_s += r.backward_s;
    flops += r.forward_flops + r.backward_flops, bytes += r.forward_bytes + r.backward_bytes;
  }
  out += line("total", "", fwd_s, bwd_s, flops, bytes);

  out += format("per step, averaged over %lld; GFLOP counts convolutions and matrix products (forward, backward-data,\n",
                static_cast<long long>(steps));
  out += "backward-weight); GB is inputs + outputs of every recorded op and its backward (an estimate).\n";
  out += format("FP32 peak %.1f GFLOP/s = %s\n", peak, machine.formula().c_str());
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  out += format("peak memory: %.1f MB in tensors (allocator high-water mark), %.1f MB max RSS\n",
                static_cast<double>(cpu_allocator_stats().peak_allocated_bytes) / 1e6,
                static_cast<double>(usage.ru_maxrss) * 1024 / 1e6);  // ru_maxrss is in KiB on Linux
  return out;
}

}  // namespace gf
