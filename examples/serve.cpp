// serve: the online style-transfer service. A web page where a person
// uploads a photo, picks a style and gets the stylised picture back, and the
// REST API scripts use for the same (docs/service.md).
//
//   serve                                   http://127.0.0.1:8080 with the built-in gallery
//   serve --styles runs/ --token s3cret     plus your own style_train / adain_train outputs, behind a token
//   curl -F image=@photo.jpg -F style=elephants -o out.png http://127.0.0.1:8080/api/v1/stylize
//
// How a request flows:
//   1. cpp-httplib accepts the connection on one of its HTTP threads; the
//      route's handler reads the body (at most --max-upload-mb);
//   2. gf::serve::Service (library code, tested without sockets) parses the
//      multipart form, checks every field, decodes the pictures with libpng /
//      libjpeg-turbo after checking their pixel count, and queues a job;
//   3. a worker of the fixed pool (--workers, each with --threads CPU threads)
//      runs the style network, AdaIN or the per-image optimisation, reporting
//      progress;
//   4. POST /api/v1/stylize waits for the job and answers with the picture;
//      POST /api/v1/jobs answers 202 at once, and the client follows
//      /events (server-sent events) and fetches /result.
// Nothing waits by spinning: HTTP threads, workers and event streams sleep on
// condition variables, and OpenMP's idle threads sleep too
// (prefer_passive_waiting), so the service shares a busy machine gracefully.
// SIGTERM or SIGINT: new API requests get 503, queued jobs are cancelled,
// running ones get a few seconds to finish, then the process exits 0.
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "gf/core/device.hpp"
#include "gf/serve/service.hpp"
#include "gf/serve/style_registry.hpp"
#include "gf/serve/web_assets.hpp"

using namespace gf;
namespace fs = std::filesystem;

namespace {

// Running jobs get this long to finish after SIGTERM before they are stopped;
// an idle keep-alive connection is closed after kKeepAlive. Both bound the
// time to exit (under 10 s).
constexpr auto kShutdownGrace = std::chrono::seconds(4);
constexpr time_t kKeepAliveSeconds = 2;

struct Options {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::vector<std::string> styles;
  std::string gallery;
  int workers = 0, threads = 0;
  std::size_t max_queue = 16;
  double max_upload_mb = 10;
  std::int64_t max_pixels = 16777216;
  int job_timeout_s = 120, result_ttl_s = 600;
  double max_results_mb = 256;
  std::string token, device = "cpu";
  bool quiet = false;
};

// The gallery shipped with ganforge: installed next to the program
// (share/ganforge/gallery), or in the source tree it was built from.
std::string default_gallery(const char* argv0) {
  std::error_code ec;
  const fs::path exe = fs::canonical("/proc/self/exe", ec);
  const fs::path installed = (ec ? fs::path(argv0) : exe).parent_path() / ".." / "share" / "ganforge" / "gallery";
  if (fs::is_directory(installed)) return installed.string();
  return GF_GALLERY_DIR;
}

void send(httplib::Response& res, const serve::Reply& reply) {
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name, value);
  res.set_content(reply.body, reply.content_type);
}

bool is_api(const std::string& path) { return path.rfind("/api/", 0) == 0; }

// OpenMP's idle threads spin for a while before they sleep (GOMP_SPINCOUNT
// 300000 by default): beside other work (HTTP threads, other workers, other
// programs) that makes two-thread kernels 10-20x slower. libgomp reads
// OMP_WAIT_POLICY once, when it is loaded, before main() runs, so the program
// starts itself again (same pid, same arguments) with the variable set. A
// value the user set wins; if the restart fails, it carries on as it is.
void prefer_passive_waiting(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY")) return;
  setenv("OMP_WAIT_POLICY", "passive", 1);
  execv("/proc/self/exe", argv);
  std::cerr << "serve: could not restart with OMP_WAIT_POLICY=passive; OpenMP threads will spin while idle\n";
}

// When a request is refused before its body is read, the body must still be
// consumed, or the connection would read it as the next request.
void drain(const httplib::ContentReader& read) {
  read([](const char*, std::size_t) { return true; });
}

}  // namespace

int main(int argc, char** argv) {
  prefer_passive_waiting(argv);
  Options o;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  CLI::App app{
      "serve: the style-transfer web service. Open http://HOST:PORT/ in a browser, or use the REST API "
      "(docs/service.md). Binds to 127.0.0.1 unless --host says otherwise; put it behind a reverse proxy with TLS "
      "before exposing it."};
  app.add_option("--host", o.host, "address to listen on")->capture_default_str();
  app.add_option("--port", o.port, "port to listen on (0: any free port, printed at start)")->capture_default_str();
  app.add_option("--styles", o.styles, "folder of your own style_train / adain_train outputs or style images "
                                        "(repeatable; added to the gallery)");
  app.add_option("--gallery", o.gallery, "the built-in gallery folder (default: the one shipped with ganforge); "
                                          "'none' for no gallery");
  app.add_option("--workers", o.workers, "jobs run at once (default: one per core)");
  app.add_option("--threads", o.threads, "CPU threads per job (default: cores / workers)");
  app.add_option("--max-queue", o.max_queue, "jobs waiting beyond the running ones before 429")->capture_default_str();
  app.add_option("--max-upload-mb", o.max_upload_mb, "largest request body in MB (413 beyond)")->capture_default_str();
  app.add_option("--max-pixels", o.max_pixels, "largest picture, width x height as its header says (413 beyond)")
      ->capture_default_str();
  app.add_option("--job-timeout-s", o.job_timeout_s, "a job running longer is stopped; /stylize waits this long")
      ->capture_default_str();
  app.add_option("--result-ttl-s", o.result_ttl_s, "finished results are kept this long for GET .../result")
      ->capture_default_str();
  app.add_option("--max-results-mb", o.max_results_mb,
                 "memory for kept results; beyond it the oldest are forgotten before their time")
      ->capture_default_str();
  app.add_option("--token", o.token, "require 'Authorization: Bearer TOKEN' on /api (default: $GF_SERVE_TOKEN)");
  app.add_option("--device", o.device, "cpu, cuda or cuda:N (models and jobs run there)")->capture_default_str();
  app.add_flag("--quiet", o.quiet, "no access log on stderr");
  CLI11_PARSE(app, argc, argv);

  // SIGTERM and SIGINT are blocked here, before any thread starts (threads
  // inherit the mask), and taken by one thread with sigwait, which then
  // shuts down in order.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  try {
    if (o.token.empty())
      if (const char* t = std::getenv("GF_SERVE_TOKEN")) o.token = t;
    if (o.workers <= 0) o.workers = cores;
    if (o.threads <= 0) o.threads = std::max(1, cores / o.workers);
    GF_CHECK(o.max_upload_mb > 0 && o.max_pixels > 0 && o.job_timeout_s > 0 && o.result_ttl_s >= 0 && o.max_queue > 0 &&
                 o.max_results_mb > 0,
             "--max-upload-mb, --max-pixels, --job-timeout-s, --max-queue and --max-results-mb must be positive");

    // ---- styles, loaded once -------------------------------------------------------
    const Device device = Device::parse(o.device);
    auto registry = std::make_shared<serve::StyleRegistry>();
    const std::string gallery = o.gallery.empty() ? default_gallery(argv[0]) : o.gallery;
    if (gallery != "none") registry->add_directory(gallery, std::cerr, device);
    for (const std::string& dir : o.styles) registry->add_directory(dir, std::cerr, device);
    GF_CHECK(!registry->styles().empty(), "no styles: the gallery (", gallery, ") and --styles hold none");

    serve::Service service({.workers = o.workers,
                            .threads = o.threads,
                            .max_queue = o.max_queue,
                            .max_upload_bytes = static_cast<std::size_t>(o.max_upload_mb * (1 << 20)),
                            .max_pixels = o.max_pixels,
                            .job_timeout = std::chrono::seconds(o.job_timeout_s),
                            .result_ttl = std::chrono::seconds(o.result_ttl_s),
                            .max_result_bytes = static_cast<std::size_t>(o.max_results_mb * (1 << 20)),
                            .token = o.token,
                            .device = device},
                           registry);

    // ---- HTTP ----------------------------------------------------------------------
    httplib::Server server;
    // Enough HTTP threads for every request that waits on a job (the queue and
    // the running ones) plus event streams and quick requests.
    const std::size_t http_threads = static_cast<std::size_t>(o.workers) + o.max_queue + 16;
    server.new_task_queue = [http_threads] { return new httplib::ThreadPool(http_threads); };
    server.set_payload_max_length(service.options().max_upload_bytes);
    server.set_keep_alive_timeout(kKeepAliveSeconds);

    static thread_local std::chrono::steady_clock::time_point request_start;
    server.set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
      request_start = std::chrono::steady_clock::now();
      // cpp-httplib parses a multipart body itself (a regular expression per
      // header line, a copy per byte) whenever the Content-Type says so. The
      // upload routes read the body raw instead and parse it with
      // gf::serve::parse_multipart (bounded, zero-copy, fuzzed): move the type
      // where httplib does not look.
      auto& headers = const_cast<httplib::Request&>(req).headers;
      const auto type = headers.find("Content-Type");
      if (is_api(req.path) && type != headers.end() && type->second.rfind("multipart/", 0) == 0) {
        headers.emplace("X-Gf-Form-Type", type->second);
        headers.erase(type);
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // 503 while shutting down, 401 without the token: for every API route.
    const auto refused = [&](const httplib::Request& req) -> std::optional<serve::Reply> {
      if (service.shutting_down()) return service.unavailable();
      if (!service.authorized(req.get_header_value("Authorization"))) return service.unauthorized();
      return std::nullopt;
    };
    server.set_error_handler(httplib::Server::HandlerWithResponse([&](const httplib::Request& req,
                                                                      httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // ours, already JSON
      serve::Reply reply = res.status == 404   ? service.not_found(req.method, req.path)
                           : res.status == 413 ? service.payload_too_large()
                                               : serve::error_reply(res.status, "the HTTP request is malformed");
      if (res.status == 413) service.record_rejected_upload("too_large_bytes");
      send(res, reply);
      return httplib::Server::HandlerResponse::Handled;
    }));
    server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
      std::string what = "unknown";
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        what = ex.what();
      } catch (...) {
      }
      send(res, serve::error_reply(500, "internal error: " + what));
    });
    server.set_logger([&](const httplib::Request& req, const httplib::Response& res) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - request_start).count();
      service.record_request(req.method, req.path, res.status, seconds);
      if (!o.quiet)
        std::fprintf(stderr, "%s \"%s %s\" %d %zu B %.1f ms\n", req.remote_addr.c_str(), req.method.c_str(),
                     req.path.c_str(), res.status, res.body.size(), seconds * 1e3);
    });

    for (const serve::WebAsset& asset : serve::web_assets())
      server.Get(std::string(asset.path), [asset](const httplib::Request&, httplib::Response& res) {
        res.set_content(std::string(asset.body), std::string(asset.content_type));
      });
    server.Get("/healthz", [&](const httplib::Request&, httplib::Response& res) { send(res, service.health()); });
    server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) { send(res, service.metrics()); });

    // A GET or DELETE API route: refusals first, then the service's answer.
    const auto api_route = [&](auto answer) {
      return [&refused, answer](const httplib::Request& req, httplib::Response& res) {
        if (auto refusal = refused(req)) return send(res, *refusal);
        send(res, answer(req));
      };
    };
    server.Get("/api/v1/styles", api_route([&](const httplib::Request&) { return service.styles(); }));
    server.Get(R"(/api/v1/styles/([A-Za-z0-9_-]+)/thumbnail)",
               api_route([&](const httplib::Request& req) { return service.thumbnail(req.matches[1]); }));
    server.Get(R"(/api/v1/jobs/([A-Za-z0-9_-]+))",
               api_route([&](const httplib::Request& req) { return service.job(req.matches[1]); }));
    server.Get(R"(/api/v1/jobs/([A-Za-z0-9_-]+)/result)",
               api_route([&](const httplib::Request& req) { return service.result(req.matches[1]); }));
    server.Delete(R"(/api/v1/jobs/([A-Za-z0-9_-]+))",
                  api_route([&](const httplib::Request& req) { return service.cancel(req.matches[1]); }));
    server.Get(R"(/api/v1/jobs/([A-Za-z0-9_-]+)/events)", [&](const httplib::Request& req, httplib::Response& res) {
      if (auto refusal = refused(req)) return send(res, *refusal);
      const std::string id = req.matches[1];
      if (auto error = service.events_precheck(id)) return send(res, *error);
      res.set_header("Cache-Control", "no-cache");
      res.set_header("X-Accel-Buffering", "no");  // nginx: pass each event on at once
      res.set_chunked_content_provider("text/event-stream", [&service, id](std::size_t, httplib::DataSink& sink) {
        service.stream_events(id, [&](std::string_view chunk) { return sink.write(chunk.data(), chunk.size()); });
        sink.done();
        return true;
      });
    });

    // The two upload routes read the raw body (bounded), then hand it to the service.
    const auto upload_route = [&](auto answer) {
      return [&refused, &service, answer](const httplib::Request& req, httplib::Response& res,
                                         const httplib::ContentReader& read) {
        if (auto refusal = refused(req)) {
          drain(read);
          return send(res, *refusal);
        }
        const std::size_t limit = service.options().max_upload_bytes;
        std::string body;
        bool too_large = false;
        const bool complete = read([&](const char* data, std::size_t n) {
          too_large = body.size() + n > limit;
          if (!too_large) body.append(data, n);
          return !too_large;
        });
        // httplib refuses a Content-Length over the limit itself (status 413)
        // before any byte arrives; a chunked body stops at the limit here.
        if (too_large || res.status == 413) {
          service.record_rejected_upload("too_large_bytes");
          return send(res, service.payload_too_large());
        }
        if (!complete) return send(res, serve::error_reply(400, "the upload was cut short"));
        send(res, answer(req.get_header_value("X-Gf-Form-Type"), body));
      };
    };
    server.Post("/api/v1/stylize", upload_route([&](const std::string& type, const std::string& body) {
                  return service.stylize(type, body);
                }));
    server.Post("/api/v1/jobs", upload_route([&](const std::string& type, const std::string& body) {
                  return service.submit(type, body);
                }));

    // ---- start, and stop on SIGTERM / SIGINT ---------------------------------------
    const int port = o.port == 0 ? server.bind_to_any_port(o.host) : (server.bind_to_port(o.host, o.port) ? o.port : -1);
    GF_CHECK(port > 0, "cannot listen on ", o.host, ":", o.port, " (in use, or not an address of this machine)");
    std::cout << "serve: listening on http://" << o.host << ":" << port << "/ with " << registry->styles().size()
              << " styles (loaded in " << registry->load_seconds() << " s), " << o.workers << " worker(s) x "
              << o.threads << " thread(s), queue " << o.max_queue << (o.token.empty() ? "" : ", token required")
              << std::endl;

    std::atomic<bool> stopping = false;
    std::thread stopper([&] {
      int signal = 0;
      sigwait(&stop_signals, &signal);
      stopping = true;
      std::cerr << "serve: " << (signal == SIGTERM ? "SIGTERM" : "SIGINT")
                << ": refusing new requests, finishing the running jobs\n";
      service.shutdown(kShutdownGrace);
      server.stop();
    });
    server.listen_after_bind();
    if (!stopping) kill(getpid(), SIGTERM);  // the server stopped by itself: release the stopper
    stopper.join();
    std::cerr << "serve: stopped\n";
  } catch (const std::exception& e) {
    std::cerr << "serve: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
