#pragma once
// Whether ops record the graph. On by default, per thread.
namespace gf {

class GradMode {
 public:
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

/// Turns recording off for a scope: evaluation, weight updates, EMA copies.
///   { gf::NoGradGuard no_grad; auto fake = G(z); }  // no graph is built
class NoGradGuard {
 public:
  NoGradGuard() : previous_(GradMode::is_enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace gf
