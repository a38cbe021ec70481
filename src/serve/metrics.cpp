#include "gf/serve/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "gf/core/error.hpp"

namespace gf::serve {
namespace {

// Prometheus prints floats with Go's 'g'-like shortest form; %.17g round-trips
// exactly, and whole numbers come out without a fraction.
std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void write_header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string escape_label_value(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

CounterFamily::CounterFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void CounterFamily::add(const std::vector<std::string>& label_values, double amount) {
  GF_CHECK(label_values.size() == label_names_.size(), name_, ": ", label_values.size(), " label values for ",
           label_names_.size(), " labels");
  std::lock_guard<std::mutex> lock(mutex_);
  values_[label_values] += amount;
}

double CounterFamily::value(const std::vector<std::string>& label_values) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = values_.find(label_values);
  return it == values_.end() ? 0.0 : it->second;
}

void CounterFamily::write(std::string& out) const {
  write_header(out, name_, help_, "counter");
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [labels, v] : values_) {
    out += name_ + "{";
    for (std::size_t i = 0; i < labels.size(); ++i)
      out += (i ? "," : "") + label_names_[i] + "=\"" + escape_label_value(labels[i]) + "\"";
    out += "} " + number(v) + "\n";
  }
}

Histogram::Histogram(std::string name, std::string help, std::vector<double> upper_bounds)
    : name_(std::move(name)), help_(std::move(help)), bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1) {
  GF_CHECK(std::is_sorted(bounds_.begin(), bounds_.end()), name_, ": bucket bounds must ascend");
}

void Histogram::observe(double value) {
  const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_[static_cast<std::size_t>(bucket)];
  sum_ += value;
}

std::uint64_t Histogram::count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::uint64_t n = 0;
  for (const auto c : counts_) n += c;
  return n;
}

void Histogram::write(std::string& out) const {
  write_header(out, name_, help_, "histogram");
  std::lock_guard<std::mutex> lock(mutex_);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    cumulative += counts_[i];
    const std::string le = i < bounds_.size() ? number(bounds_[i]) : "+Inf";
    out += name_ + "_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += name_ + "_sum " + number(sum_) + "\n" + name_ + "_count " + std::to_string(cumulative) + "\n";
}

void write_gauge(std::string& out, const std::string& name, const std::string& help, double value) {
  write_header(out, name, help, "gauge");
  out += name + " " + number(value) + "\n";
}

void write_gauge_family(std::string& out, const std::string& name, const std::string& help, const std::string& label,
                        const std::vector<std::pair<std::string, double>>& samples) {
  write_header(out, name, help, "gauge");
  for (const auto& [value, v] : samples)
    out += name + "{" + label + "=\"" + escape_label_value(value) + "\"} " + number(v) + "\n";
}

}  // namespace gf::serve
