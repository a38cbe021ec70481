#pragma once
// Whether ops record the graph. On by default, per thread.
namespace gf {

class GradMode {
 public:
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

/// Sets grad mode for a scope and restores it after: the engine turns it on
/// for a backward with create_graph (the gradients get their own graph), off
/// for a first-order one.
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled) : previous_(GradMode::is_enabled()) { GradMode::set_enabled(enabled); }
  ~GradModeGuard() { GradMode::set_enabled(previous_); }
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool previous_;
};

/// Turns recording off for a scope: evaluation, weight updates, EMA copies.
///   { gf::NoGradGuard no_grad; auto fake = G(z); }  // no graph is built
class NoGradGuard : public GradModeGuard {
 public:
  NoGradGuard() : GradModeGuard(false) {}
};

}  // namespace gf
