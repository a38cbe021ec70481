#include "gf/core/determinism.hpp"

#include <atomic>

namespace gf {
namespace {
std::atomic<bool> deterministic_mode{false};
}
void set_deterministic(bool on) { deterministic_mode = on; }
bool deterministic() { return deterministic_mode; }
}  // namespace gf
