#pragma once
// Counters, gauges and histograms in the Prometheus text format (version
// 0.0.4), the format a Prometheus server scrapes from GET /metrics:
//
//   # HELP gf_http_requests_total HTTP requests by route, method and status code.
//   # TYPE gf_http_requests_total counter
//   gf_http_requests_total{route="/api/v1/stylize",method="POST",code="200"} 12
//
// A histogram is written as cumulative buckets (_bucket{le="0.5"} counts the
// observations <= 0.5 s), plus _sum and _count, so a scraper can compute
// averages and quantiles over any time window. Each metric is thread-safe.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace gf::serve {

/// A counter per combination of label values.
class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);
  /// Adds `amount` to the counter of these label values (one per label name).
  void add(const std::vector<std::string>& label_values, double amount = 1.0);
  /// The counter's value (0 when never added to).
  double value(const std::vector<std::string>& label_values) const;
  void write(std::string& out) const;

 private:
  const std::string name_, help_;
  const std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, double> values_;
};

class Histogram {
 public:
  /// upper_bounds ascending; a +Inf bucket is added.
  Histogram(std::string name, std::string help, std::vector<double> upper_bounds);
  void observe(double value);
  std::uint64_t count() const;
  void write(std::string& out) const;

 private:
  const std::string name_, help_;
  const std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative; the last is +Inf
  double sum_ = 0.0;
};

/// Writes one gauge sample with its HELP and TYPE lines.
void write_gauge(std::string& out, const std::string& name, const std::string& help, double value);
/// A gauge with one sample per label value: name{label="v"} value.
void write_gauge_family(std::string& out, const std::string& name, const std::string& help, const std::string& label,
                        const std::vector<std::pair<std::string, double>>& samples);

/// A label value escaped for the text format (backslash, quote, newline).
std::string escape_label_value(const std::string& value);

}  // namespace gf::serve
