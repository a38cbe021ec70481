// Module::summary: a shape trace. While a trace is active, every module
// called through operator() adds a row with its output shape, so the table
// follows the data through the network the way forward() really runs it.
#include <algorithm>
#include <map>
#include <optional>

#include "gf/autograd/grad_mode.hpp"
#include "gf/profile/profiler.hpp"
#include "gf/nn/module.hpp"

namespace gf::nn {
namespace {

struct TraceRow {
  std::string label;  // "  0 (Conv2d)", indented by call depth
  Shape shape;        // output shape
  std::int64_t params = 0;
};

struct Trace {
  std::map<const Module*, std::string> names;  // local name of each module in the tree
  std::vector<TraceRow> rows;
  int depth = 0;  // how many traced calls are open
};

// The trace of the summary() running on this thread, if any.
thread_local Trace* active_trace = nullptr;

// 1234567 -> "1,234,567"
std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string pad_to(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// The profiler's name for a call of `m`: the one name_modules() gave it; for
// an unnamed module called at the top, its type (and its tree is named after
// it); otherwise its caller's path and its type.
std::string profile_path(Module& m) {
  std::string path = Profiler::scope_name(&m);
  if (!path.empty()) return path;
  const std::string& caller = Profiler::current_scope();
  if (!caller.empty()) return caller + "." + m.type_name();
  Profiler::name_modules(m, m.type_name());
  return m.type_name();
}

}  // namespace

Tensor Module::operator()(const Tensor& x) {
  std::optional<Profiler::Scope> profile;  // open for the whole call, children included
  if (Profiler::enabled()) profile.emplace(profile_path(*this), type_name(), Profiler::Phase::kForward);
  if (!active_trace) return forward(x);
  Trace& trace = *active_trace;
  // Take this module's row before its children add theirs, so the table
  // reads top-down like the module tree.
  const std::size_t row = trace.rows.size();
  const auto named = trace.names.find(this);
  std::string label = std::string(static_cast<std::size_t>(2 * trace.depth), ' ');
  label += named == trace.names.end() || named->second.empty() ? type_name()
                                                               : named->second + " (" + type_name() + ")";
  trace.rows.push_back({label, {}, num_parameters()});
  ++trace.depth;
  Tensor y = forward(x);
  --trace.depth;
  trace.rows[row].shape = y.shape();
  return y;
}

std::string Module::summary(const Tensor& example_input) {
  GF_CHECK(active_trace == nullptr, type_name(), ".summary: already inside a summary()");
  Trace trace;
  // Eval mode and no grad: one pass that changes no running statistics and
  // draws no dropout masks. Every module's own flag is restored afterwards.
  std::vector<std::pair<Module*, bool>> flags;
  for (const auto& [name, m] : named_modules()) {
    trace.names[m] = name.substr(name.find_last_of('.') + 1);
    flags.emplace_back(m, m->training_);
  }
  struct Restore {
    std::vector<std::pair<Module*, bool>>& flags;
    ~Restore() {
      for (auto& [m, on] : flags) m->training_ = on;
      active_trace = nullptr;
    }
  } restore{flags};
  eval();
  NoGradGuard no_grad;
  active_trace = &trace;
  (*this)(example_input);
  active_trace = nullptr;

  std::size_t w = std::string("Layer (type)").size();
  for (const auto& r : trace.rows) w = std::max(w, r.label.size());
  w += 2;
  const std::size_t shape_w = 24;
  const std::string rule(w + shape_w + 12, '=');
  std::string out = pad_to("Layer (type)", w) + pad_to("Output shape", shape_w) + "Param #\n" + rule + "\n";
  out += pad_to("input", w) + example_input.shape().str() + "\n";
  for (const auto& r : trace.rows)
    out += pad_to(r.label, w) + pad_to(r.shape.str(), shape_w) + with_commas(r.params) + "\n";
  std::int64_t trainable = 0;
  for (const auto& [name, p] : named_parameters())
    if (p.requires_grad()) trainable += p.numel();
  out += rule + "\n";
  out += "Total params: " + with_commas(num_parameters()) + "\n";
  out += "Trainable params: " + with_commas(trainable) + "\n";
  return out;
}

}  // namespace gf::nn
