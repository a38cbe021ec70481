#pragma once
// The web service's behaviour, one method per route, free of any HTTP
// library: each takes what the route needs (path parameter, body) and
// returns the whole Reply (status, type, body, headers). The serve program
// only binds these to cpp-httplib routes, so everything here is tested
// without sockets, and the same code answers the live server.
//
//   GET    /healthz                       health()
//   GET    /metrics                       metrics()      Prometheus text
//   GET    /api/v1/styles                 styles()
//   GET    /api/v1/styles/{id}/thumbnail  thumbnail(id)  PNG
//   POST   /api/v1/stylize                stylize(type, body)   waits for the result
//   POST   /api/v1/jobs                   submit(type, body)    202 + Location
//   GET    /api/v1/jobs/{id}              job(id)
//   GET    /api/v1/jobs/{id}/events       stream_events(id, write)  server-sent events
//   GET    /api/v1/jobs/{id}/result       result(id)
//   DELETE /api/v1/jobs/{id}              cancel(id)
// Errors are JSON everywhere: {"error": "...", "field": "..."}.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "gf/core/device.hpp"
#include "gf/serve/job_queue.hpp"
#include "gf/serve/metrics.hpp"
#include "gf/serve/stylize_request.hpp"

namespace gf::serve {

struct ServiceOptions {
  int workers = 1;
  int threads = 1;  // CPU threads per worker
  std::size_t max_queue = 16;
  std::size_t max_upload_bytes = 10u << 20;
  std::int64_t max_pixels = 16777216;
  std::chrono::seconds job_timeout{120};
  std::chrono::seconds result_ttl{600};
  std::size_t max_result_bytes = 256u << 20;
  std::string token;  // empty: no authentication
  Device device = Device::cpu();
};

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// {"error": message, "field": field} with `status`.
Reply error_reply(int status, const std::string& message, const std::string& field = "");

class Service {
 public:
  Service(ServiceOptions options, std::shared_ptr<const StyleRegistry> styles);

  Reply health() const;
  Reply metrics();
  Reply styles() const;
  Reply thumbnail(const std::string& id) const;
  Reply stylize(std::string_view content_type, std::string_view body);
  Reply submit(std::string_view content_type, std::string_view body);
  Reply job(const std::string& id);
  Reply result(const std::string& id);
  Reply cancel(const std::string& id);

  /// An error reply when job `id` is unknown, else nullopt: then
  /// stream_events writes the events.
  std::optional<Reply> events_precheck(const std::string& id);
  /// Writes "event: status" with the job's JSON at once and at every change,
  /// a comment line every `heartbeat` while nothing changes, and returns after
  /// the final status, when `write` returns false (the client left), or at
  /// shutdown.
  void stream_events(const std::string& id, const std::function<bool(std::string_view)>& write,
                     std::chrono::milliseconds heartbeat = std::chrono::seconds(15));

  /// Answers for the HTTP layer's own checks.
  Reply payload_too_large() const;  // a body over max_upload_bytes
  Reply unauthorized() const;
  Reply unavailable() const;  // shutting down
  Reply not_found(const std::string& method, const std::string& path) const;

  /// True when no token is set, or `authorization` is "Bearer <token>".
  bool authorized(std::string_view authorization) const;

  /// Counts a finished request for /metrics (route = the path with ids
  /// replaced by {id}, so the label set stays small).
  void record_request(const std::string& method, const std::string& path, int status, double seconds);
  /// Counts an upload refused before parsing (the body was too large).
  void record_rejected_upload(const std::string& reason);

  /// From now on API requests get 503; queued jobs are cancelled, running
  /// ones get `grace` to finish, then are stopped. Returns when the workers
  /// have exited.
  void shutdown(std::chrono::milliseconds grace);
  bool shutting_down() const { return shutting_down_; }

  const ServiceOptions& options() const { return options_; }

 private:
  // Parses and queues a request: its status, or the reply refusing it (4xx, 429, 503).
  std::variant<JobStatus, Reply> accept(std::string_view content_type, std::string_view body);

  const ServiceOptions options_;
  const std::shared_ptr<const StyleRegistry> styles_;
  std::atomic<bool> shutting_down_{false};
  CounterFamily requests_{"gf_http_requests_total", "HTTP requests by route, method and status code.",
                          {"route", "method", "code"}};
  Histogram request_seconds_{"gf_http_request_duration_seconds", "Time to answer an HTTP request.",
                             {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}};
  CounterFamily rejected_{"gf_uploads_rejected_total", "Uploads refused, by reason.", {"reason"}};
  CounterFamily job_finished_{"gf_jobs_finished_total", "Jobs that ended, by final state.", {"state"}};
  Histogram job_seconds_{"gf_job_latency_seconds", "Time from submission to the end of finished jobs.",
                         {0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300}};
  JobQueue queue_;  // last: its workers use the members above
};

}  // namespace gf::serve
