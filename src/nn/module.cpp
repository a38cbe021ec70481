// Module: the registry of parameters, buffers and children, and everything
// that walks it (listing, state_dict, train/eval, to, printing).
#include "gf/nn/module.hpp"

#include <algorithm>
#include <set>

#include "gf/autograd/grad_mode.hpp"

namespace gf::nn {
namespace {

// Indents every line after the first by two spaces (for nested str()).
std::string indent(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}

}  // namespace

Tensor Module::forward(const Tensor&) {
  throw Error(type_name() + ": forward(x) is not implemented; override Module::forward");
}

// ---- registration ------------------------------------------------------------

void Module::check_new_name(const std::string& name, const char* what) const {
  GF_CHECK(!name.empty() && name.find('.') == std::string::npos, type_name(), ": ", what, " name '", name,
           "' must be non-empty and contain no '.'");
  auto taken = [&](const auto& list) {
    return std::any_of(list.begin(), list.end(), [&](const auto& entry) { return entry.first == name; });
  };
  GF_CHECK(!taken(params_) && !taken(buffers_) && !taken(children_), type_name(), ": the name '", name,
           "' is already registered");
}

void Module::register_parameter(const std::string& name, Tensor& slot) {
  check_new_name(name, "parameter");
  if (slot.defined()) {
    GF_CHECK(slot.is_leaf(), type_name(), ": parameter '", name,
             "' must be a leaf tensor (create it under NoGradGuard, or detach() it)");
    slot.requires_grad_();
    slot.set_name(name);
  }
  params_.emplace_back(name, &slot);
}

void Module::register_buffer(const std::string& name, Tensor& slot) {
  check_new_name(name, "buffer");
  buffers_.emplace_back(name, &slot);
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_new_name(name, "module");
  GF_CHECK(module != nullptr, type_name(), ": register_module('", name, "') got a null module");
  children_.emplace_back(name, std::move(module));
}

// ---- listing -------------------------------------------------------------------

template <typename Fn>
void Module::visit(const std::string& prefix, Fn&& fn) const {
  fn(prefix, *this);
  for (const auto& [name, child] : children_) child->visit(prefix + name + ".", fn);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  std::set<const TensorImpl*> seen;  // a parameter shared by two layers is listed once
  visit("", [&](const std::string& prefix, const Module& m) {
    for (const auto& [name, slot] : m.params_)
      if (slot->defined() && seen.insert(slot->impl()).second) out.emplace_back(prefix + name, *slot);
  });
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, p] : named_parameters()) out.push_back(p);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  visit("", [&](const std::string& prefix, const Module& m) {
    for (const auto& [name, slot] : m.buffers_)
      if (slot->defined()) out.emplace_back(prefix + name, *slot);
  });
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out{{"", this}};
  for (const auto& [name, child] : children_)
    for (const auto& [sub, m] : child->named_modules()) out.emplace_back(sub.empty() ? name : name + "." + sub, m);
  return out;
}

std::int64_t Module::num_parameters() const {
  std::int64_t n = 0;
  for (const auto& [name, p] : named_parameters()) n += p.numel();
  return n;
}

// ---- state ---------------------------------------------------------------------

NamedTensors Module::state_dict() const {
  NamedTensors out;
  visit("", [&](const std::string& prefix, const Module& m) {
    for (const auto& [name, slot] : m.params_)
      if (slot->defined()) out.emplace_back(prefix + name, slot->detach());
    for (const auto& [name, slot] : m.buffers_)
      if (slot->defined()) out.emplace_back(prefix + name, slot->detach());
  });
  return out;
}

void Module::load_state_dict(const std::map<std::string, Tensor>& state, bool strict) {
  const NamedTensors own = state_dict();
  // Check everything first, so a failed load changes nothing.
  std::vector<std::string> missing, unexpected, mismatched;
  std::set<std::string> own_names;
  for (const auto& [name, t] : own) {
    own_names.insert(name);
    const auto it = state.find(name);
    if (it == state.end()) {
      missing.push_back(name);
    } else if (!it->second.defined()) {
      mismatched.push_back(name + " is an undefined tensor");
    } else if (it->second.shape() != t.shape()) {
      mismatched.push_back(detail::concat(name, " expects ", t.shape(), ", got ", it->second.shape()));
    }
  }
  for (const auto& [name, t] : state)
    if (!own_names.count(name)) unexpected.push_back(name);

  if (!mismatched.empty() || (strict && (!missing.empty() || !unexpected.empty()))) {
    std::string msg = "load_state_dict: the state does not fit " + type_name();
    if (strict && !missing.empty()) msg += detail::concat("\n  missing (", missing.size(), "): ", detail::join(missing));
    if (strict && !unexpected.empty())
      msg += detail::concat("\n  unexpected (", unexpected.size(), "): ", detail::join(unexpected));
    if (!mismatched.empty())
      msg += detail::concat("\n  shape mismatch (", mismatched.size(), "): ", detail::join(mismatched));
    throw Error(msg);
  }

  NoGradGuard no_grad;
  for (const auto& [name, t] : own) {
    const auto it = state.find(name);
    if (it == state.end()) continue;
    Tensor dst = t;  // shares storage with the module's tensor
    dst.copy_(it->second.to(dst.device()));
  }
}

void Module::load_state_dict(const NamedTensors& state, bool strict) {
  std::map<std::string, Tensor> as_map;
  for (const auto& [name, t] : state) {
    GF_CHECK(as_map.emplace(name, t).second, "load_state_dict: the name '", name, "' appears twice in the state");
  }
  load_state_dict(as_map, strict);
}

void Module::train(bool on) {
  for (auto& [name, m] : named_modules()) m->training_ = on;
}

void Module::zero_grad() {
  for (auto& [name, p] : named_parameters()) p.zero_grad();
}

template <typename Fn>
void Module::convert_tensors(Fn&& fn) {
  NoGradGuard no_grad;
  for (auto& [path, m] : named_modules()) {
    for (auto& [name, slot] : m->params_) {
      if (!slot->defined()) continue;
      Tensor converted = fn(*slot);
      if (converted.is_same(*slot)) continue;
      // A new leaf: keep it trainable, named, and carrying its gradient along.
      converted.requires_grad_();
      converted.set_name(name);
      if (slot->grad().defined()) converted.set_grad(fn(slot->grad()));
      *slot = converted;
    }
    for (auto& [name, slot] : m->buffers_)
      if (slot->defined()) *slot = fn(*slot);
  }
}

void Module::to(Device device) {
  convert_tensors([&](const Tensor& t) { return t.to(device); });
}

void Module::to(DType dtype) {
  GF_CHECK(is_floating(dtype), type_name(), ".to: parameters must stay floating, asked for ", dtype);
  convert_tensors([&](const Tensor& t) { return is_floating(t.dtype()) ? t.to(dtype) : t; });
}

// ---- printing --------------------------------------------------------------------

std::string Module::str() const {
  const std::string extra = extra_repr();
  if (children_.empty()) return type_name() + "(" + extra + ")";
  std::string s = type_name() + "(\n";
  if (!extra.empty()) s += "  " + extra + "\n";
  for (const auto& [name, child] : children_) s += "  (" + name + "): " + indent(child->str()) + "\n";
  return s + ")";
}

std::ostream& operator<<(std::ostream& os, const Module& m) { return os << m.str(); }

}  // namespace gf::nn
