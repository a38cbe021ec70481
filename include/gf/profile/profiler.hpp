#pragma once
// A per-layer profiler: where a training step spends its time and its work.
//
// Off by default; while off, each hook costs one branch on a flag. While on:
//   - every Module call opens a scope named by its dotted path ("G.main.3") and
//     its forward time is charged to it, exclusive of the modules it calls, so a
//     Conv2d gets its own time and a Sequential only its overhead;
//   - every op recorded for autograd remembers its scope, and the backward
//     engine charges the time of that op's backward to the same scope;
//   - the ops that dominate (convolutions, matrix products) report their
//     floating-point work, and every recorded op reports the bytes it reads and
//     writes (inputs + output; an approximation that ignores caches and scratch).
// Work done outside any module (losses, optimizer steps, data) is not charged.
//
//   gf::Profiler::reset();
//   gf::Profiler::name_modules(*G, "G");   // rows read "G.main.0" instead of "Sequential.0"
//   gf::Profiler::enable();
//   for (int i = 0; i < steps; ++i) train_step();
//   gf::Profiler::disable();
//   std::cout << gf::Profiler::report(steps);   // per-step averages
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf {

class Profiler {
 public:
  enum class Phase { kForward, kBackward };

  /// One module path: its measurements summed over everything profiled so far.
  struct Row {
    std::string path;  // "G.main.3"
    std::string type;  // "BatchNorm2d"
    std::int64_t calls = 0;
    double forward_s = 0, backward_s = 0;
    double forward_flops = 0, backward_flops = 0;
    double forward_bytes = 0, backward_bytes = 0;
  };

  static bool enabled() { return enabled_.load(std::memory_order_relaxed); }
  static void enable() { enabled_ = true; }
  static void disable() { enabled_ = false; }
  /// Forgets every measurement and every name given by name_modules().
  static void reset();

  /// Names `root` `prefix` and each descendant `prefix.child.path`, for the
  /// report. A module called without a name is shown as its caller's path
  /// followed by its type. (A template, so the profiler needs no nn headers.)
  template <typename M>
  static void name_modules(M& root, const std::string& prefix) {
    for (const auto& [name, module] : root.named_modules())
      name_scope(module, name.empty() ? prefix : prefix + "." + name);
  }
  static void name_scope(const void* owner, const std::string& path);
  /// The name given to `owner`, or "" when it has none.
  static std::string scope_name(const void* owner);

  /// Opens a scope on this thread for its lifetime: the time it is open,
  /// minus the time of the scopes opened inside it, goes to (path, phase).
  class Scope {
   public:
    Scope(std::string path, std::string type, Phase phase);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
  };
  /// The path of the innermost open scope on this thread ("" when none).
  static const std::string& current_scope();

  /// Adds work to the innermost open scope, in its phase (ignored when the
  /// profiler is off or no scope is open).
  static void add_work(double flops, double bytes) {
    if (enabled()) add_work_to_current(flops, bytes);
  }

  /// Bytes held by the defined tensors of `tensors`: what an op reads or writes.
  static double bytes_of(const std::vector<Tensor>& tensors);

  /// The rows in the order their modules first ran.
  static std::vector<Row> rows();
  /// A table of the rows divided by `steps`: forward and backward ms, GFLOP,
  /// GB moved, achieved GFLOP/s and its share of the machine's FP32 peak, a
  /// total line, and the peak memory (allocator high-water mark, max RSS).
  static std::string report(std::int64_t steps = 1);

 private:
  static void add_work_to_current(double flops, double bytes);
  static inline std::atomic<bool> enabled_{false};  // read by every hook, on any thread
};

}  // namespace gf
