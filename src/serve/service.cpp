#include "gf/serve/service.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "gf/core/machine.hpp"
#include "gf/core/parallel.hpp"
#include "gf/serve/api_error.hpp"
#include "gf/serve/stylize_job.hpp"

namespace gf::serve {
namespace {

using json = nlohmann::json;

Reply json_reply(int status, const json& body) { return {status, "application/json", body.dump(), {}}; }

json status_json(const JobStatus& s) {
  json j = {{"id", s.id},
            {"status", to_string(s.state)},
            {"progress", s.progress},
            {"position", s.position},
            {"elapsed_ms", std::llround(s.elapsed_ms)},
            {"ssim", nullptr},
            {"error", s.error.empty() ? json(nullptr) : json(s.error)}};
  for (const auto& [name, value] : s.figures) j[name] = std::isfinite(value) ? json(value) : json(nullptr);
  return j;
}

// The image of a done job with its figures as headers.
Reply image_reply(const JobStatus& s, const JobResult& result) {
  Reply r{200, result.content_type, result.body, {{"X-Job-Id", s.id}, {"X-Elapsed-Ms", std::to_string(std::llround(s.elapsed_ms))}}};
  for (const auto& [name, value] : result.figures)
    if (name == "ssim") r.headers.emplace_back("X-SSIM", std::isfinite(value) ? std::to_string(value) : "nan");
  return r;
}

// "/api/v1/jobs/3f.../events" -> "/api/v1/jobs/{id}/events": one label per route, not per job.
std::string route_label(const std::string& path) {
  static const char* const kFixed[] = {"/",        "/app.js",        "/style.css",       "/favicon.svg", "/healthz",
                                       "/metrics", "/api/v1/styles", "/api/v1/stylize", "/api/v1/jobs"};
  for (const char* fixed : kFixed)
    if (path == fixed) return path;
  for (const std::string prefix : {"/api/v1/jobs/", "/api/v1/styles/"}) {
    if (path.rfind(prefix, 0) != 0) continue;
    const std::size_t slash = path.find('/', prefix.size());
    const std::string rest = slash == std::string::npos ? "" : path.substr(slash);
    if (rest.empty() || rest == "/events" || rest == "/result" || rest == "/thumbnail") return prefix + "{id}" + rest;
  }
  return "other";
}

}  // namespace

Reply error_reply(int status, const std::string& message, const std::string& field) {
  return json_reply(status, {{"error", message}, {"field", field.empty() ? json(nullptr) : json(field)}});
}

Service::Service(ServiceOptions options, std::shared_ptr<const StyleRegistry> styles)
    : options_(std::move(options)),
      styles_(std::move(styles)),
      queue_({.workers = options_.workers,
              .max_queue = options_.max_queue,
              .job_timeout = options_.job_timeout,
              .result_ttl = options_.result_ttl,
              .max_result_bytes = options_.max_result_bytes,
              .worker_init = [threads = options_.threads] { set_num_threads(threads); },
              .on_finished = [this](const JobStatus& s) {
                job_finished_.add({to_string(s.state)});
                if (s.state == JobState::kDone) job_seconds_.observe(s.elapsed_ms / 1e3);
              }}) {}

Reply Service::health() const { return json_reply(200, {{"status", "ok"}}); }

Reply Service::styles() const {
  json list = json::array();
  for (const auto& s : styles_->styles())
    list.push_back({{"id", s->id},
                    {"name", s->name},
                    {"kind", to_string(s->kind)},
                    {"thumbnail", "/api/v1/styles/" + s->id + "/thumbnail"}});
  return json_reply(200, list);
}

Reply Service::thumbnail(const std::string& id) const {
  const auto style = styles_->find(id);
  if (!style) return error_reply(404, "unknown style '" + id + "'", "style");
  return {200, "image/png", style->thumbnail_png, {{"Cache-Control", "max-age=3600"}}};
}

std::variant<JobStatus, Reply> Service::accept(std::string_view content_type, std::string_view body) {
  StylizeRequest request;
  try {
    request = parse_stylize_request(content_type, body, *styles_, {.max_pixels = options_.max_pixels});
  } catch (const ApiError& e) {
    rejected_.add({e.reason()});
    return error_reply(e.status(), e.what(), e.field());
  }
  const Device device = options_.device;
  auto submitted = queue_.submit([request = std::move(request), device](JobContext& context) {
    return run_stylize(request, context, device);
  });
  if (const auto* status = std::get_if<JobStatus>(&submitted)) return *status;
  const QueueRefusal refusal = std::get<QueueRefusal>(submitted);
  if (refusal.reason == QueueRefusal::Reason::kClosed) return unavailable();
  // A hint for when a place may be free: the queue ahead, spread over the workers.
  const double wait_s = queue_.mean_run_ms() / 1e3 * static_cast<double>(refusal.queued + 1) / options_.workers;
  Reply r = error_reply(429, "the queue is full (" + std::to_string(refusal.queued) +
                                 " jobs waiting); try again in a few seconds");
  r.headers.emplace_back("Retry-After", std::to_string(std::max<long long>(1, std::llround(std::ceil(wait_s)))));
  return r;
}

Reply Service::stylize(std::string_view content_type, std::string_view body) {
  std::variant<JobStatus, Reply> submitted = accept(content_type, body);
  if (auto* reply = std::get_if<Reply>(&submitted)) return std::move(*reply);

  // Wait (passively) for the job's end, at most the job time limit.
  JobStatus status = std::get<JobStatus>(submitted);
  const Clock::time_point deadline = Clock::now() + options_.job_timeout;
  while (!is_final(status.state)) {
    const auto next = queue_.wait_for_change(status.id, status.version, deadline);
    if (!next) return error_reply(500, "the job was lost");
    if (next->version == status.version && Clock::now() >= deadline) {  // still queued, or running late
      queue_.cancel(status.id, std::chrono::milliseconds(0));
      return error_reply(504, "the job did not finish within " + std::to_string(options_.job_timeout.count()) +
                                  " s (the queue is long or the image large); try a smaller size or POST /api/v1/jobs");
    }
    status = *next;
  }
  const auto result = queue_.result(status.id);
  queue_.forget(status.id);  // delivered now: nobody will fetch it
  if (status.state == JobState::kDone && result) return image_reply(status, *result);
  if (status.state == JobState::kCancelled) return shutting_down_ ? unavailable() : error_reply(409, status.error);
  return error_reply(status.error.rfind("timed out", 0) == 0 ? 504 : 500, "stylisation failed: " + status.error);
}

Reply Service::submit(std::string_view content_type, std::string_view body) {
  std::variant<JobStatus, Reply> submitted = accept(content_type, body);
  if (auto* reply = std::get_if<Reply>(&submitted)) return std::move(*reply);
  const JobStatus& s = std::get<JobStatus>(submitted);
  Reply r = json_reply(202, {{"id", s.id}, {"status", to_string(s.state)}, {"position", s.position}});
  r.headers.emplace_back("Location", "/api/v1/jobs/" + s.id);
  return r;
}

Reply Service::job(const std::string& id) {
  const auto status = queue_.status(id);
  if (!status) return error_reply(404, "no job '" + id + "' (unknown, or its result expired)");
  return json_reply(200, status_json(*status));
}

Reply Service::result(const std::string& id) {
  const auto status = queue_.status(id);
  if (!status) return error_reply(404, "no job '" + id + "' (unknown, or its result expired)");
  if (status->state != JobState::kDone) {
    json body = status_json(*status);
    body["error"] = status->state == JobState::kQueued || status->state == JobState::kRunning
                        ? "the job is " + std::string(to_string(status->state)) + "; its result is not ready"
                        : "the job " + std::string(to_string(status->state)) + ": " + status->error;
    body["field"] = nullptr;
    return json_reply(409, body);
  }
  const auto result = queue_.result(id);
  if (!result) return error_reply(404, "no job '" + id + "' (its result expired)");
  return image_reply(*status, *result);
}

Reply Service::cancel(const std::string& id) {
  const auto status = queue_.cancel(id, std::chrono::seconds(2));
  if (!status) return error_reply(404, "no job '" + id + "' (unknown, or its result expired)");
  return json_reply(200, status_json(*status));
}

std::optional<Reply> Service::events_precheck(const std::string& id) {
  if (!queue_.status(id)) return error_reply(404, "no job '" + id + "' (unknown, or its result expired)");
  return std::nullopt;
}

void Service::stream_events(const std::string& id, const std::function<bool(std::string_view)>& write,
                            std::chrono::milliseconds heartbeat) {
  const auto event = [](const JobStatus& s) { return "event: status\ndata: " + status_json(s).dump() + "\n\n"; };
  std::optional<JobStatus> status = queue_.status(id);
  if (!status || !write(event(*status))) return;
  while (!is_final(status->state)) {
    const auto next = queue_.wait_for_change(id, status->version, Clock::now() + heartbeat);
    if (!next) return;  // forgotten
    if (next->version == status->version) {
      if (!write(": keep-alive\n\n")) return;  // a comment: keeps proxies from closing an idle stream
      continue;
    }
    status = next;
    if (!write(event(*status))) return;
  }
}

Reply Service::payload_too_large() const {
  return error_reply(413, "the request body is larger than the server's limit of " +
                              std::to_string(options_.max_upload_bytes >> 20) + " MB");
}

Reply Service::unauthorized() const {
  Reply r = error_reply(401, "missing or wrong token: send the header 'Authorization: Bearer <token>'");
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

Reply Service::unavailable() const {
  Reply r = error_reply(503, "the server is shutting down");
  r.headers.emplace_back("Retry-After", "5");
  return r;
}

Reply Service::not_found(const std::string& method, const std::string& path) const {
  return error_reply(404, "no route " + method + " " + path.substr(0, 200));
}

bool Service::authorized(std::string_view authorization) const {
  if (options_.token.empty()) return true;
  const std::string expected = "Bearer " + options_.token;
  // Constant time in the header's contents: no early exit at the first difference.
  unsigned char diff = authorization.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i] ^ (i < authorization.size() ? authorization[i] : 0));
  return diff == 0;
}

void Service::record_request(const std::string& method, const std::string& path, int status, double seconds) {
  requests_.add({route_label(path), method, std::to_string(status)});
  request_seconds_.observe(seconds);
}

void Service::record_rejected_upload(const std::string& reason) { rejected_.add({reason}); }

Reply Service::metrics() {
  const JobQueue::Stats q = queue_.stats();
  std::string out;
  requests_.write(out);
  request_seconds_.write(out);
  rejected_.write(out);
  job_finished_.write(out);
  job_seconds_.write(out);
  write_gauge(out, "gf_queue_depth", "Jobs waiting for a worker.", static_cast<double>(q.queued));
  write_gauge_family(out, "gf_jobs", "Jobs by state: waiting, running, finished and kept for their result.",
                     "state", {{"queued", q.queued}, {"running", q.running}, {"retained", q.retained}});
  write_gauge(out, "gf_retained_result_bytes", "Bytes of finished results kept for clients.",
              static_cast<double>(q.retained_bytes));
  std::vector<std::pair<std::string, double>> kinds = {{"network", 0}, {"optimise", 0}, {"adain", 0}};
  for (const auto& s : styles_->styles())
    for (auto& [kind, n] : kinds) n += kind == to_string(s->kind) ? 1 : 0;
  write_gauge_family(out, "gf_styles", "Styles offered, by kind.", "kind", kinds);
  write_gauge(out, "gf_model_load_seconds", "Time spent loading the styles at start.", styles_->load_seconds());
  write_gauge(out, "gf_workers", "Worker threads running jobs.", options_.workers);
  write_gauge(out, "gf_threads_per_worker", "CPU threads each worker's kernels use.", options_.threads);
  write_gauge(out, "process_resident_memory_bytes", "Resident memory of the process.", resident_memory_bytes());
  return {200, "text/plain; version=0.0.4; charset=utf-8", std::move(out), {}};
}

void Service::shutdown(std::chrono::milliseconds grace) {
  shutting_down_ = true;
  queue_.shutdown(grace);
}

}  // namespace gf::serve
