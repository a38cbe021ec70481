// The serve program, live: started on a free loopback port, driven over HTTP
// through every route and every error code, stopped with SIGTERM. After each
// bad request the server must still answer /healthz.
#include <doctest/doctest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "program_helpers.hpp"
#include "serve_helpers.hpp"

#if GF_BUILT_EXAMPLES

using namespace gf;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// build/examples/serve on 127.0.0.1 and a port the system picks (--port 0),
// stdout and stderr into files; SIGTERM and a wait when it goes out of scope.
class LiveServer {
 public:
  explicit LiveServer(const std::string& styles, std::vector<std::string> args = {}) : logs_("serve_logs") {
    args.insert(args.begin(), {"--port", "0", "--gallery", "none", "--styles", styles});
    const std::string program = std::string(GF_EXAMPLES_DIR) + "/serve";
    std::vector<char*> argv{const_cast<char*>(program.c_str())};
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::fflush(stdout);  // or the child's copy of the buffers is written twice
    std::fflush(stderr);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      std::freopen(logs_.file("out").c_str(), "w", stdout);
      std::freopen(logs_.file("err").c_str(), "w", stderr);
      execv(program.c_str(), argv.data());
      _exit(127);
    }
    // It prints "listening on http://127.0.0.1:PORT/" once the socket is bound.
    const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+)/)");
    for (int i = 0; i < 500 && port_ == 0; ++i) {
      std::smatch m;
      const std::string out = test::read_bytes(logs_.file("out"));
      if (std::regex_search(out, m, listening)) port_ = std::stoi(m[1]);
      else std::this_thread::sleep_for(20ms);
    }
    REQUIRE_MESSAGE(port_ > 0, "serve did not start: " << test::read_bytes(logs_.file("err")));
  }
  ~LiveServer() {
    if (pid_ > 0) stop();
  }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    return c;
  }
  /// SIGTERM, then waits (at most 20 s): the exit status, and how long it took.
  std::pair<int, double> stop() {
    const auto start = std::chrono::steady_clock::now();
    kill(pid_, SIGTERM);
    int status = -1;
    for (int i = 0; i < 2000; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) break;
      std::this_thread::sleep_for(10ms);
      if (i == 1999) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
    }
    pid_ = -1;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, seconds};
  }
  std::string log() const { return test::read_bytes(logs_.file("err")); }

 private:
  test::TempDir logs_;
  pid_t pid_ = -1;
  int port_ = 0;
};

const test::StyleFolder& styles() {
  static test::StyleFolder folder;
  return folder;
}

httplib::Result post(httplib::Client& c, const std::string& path, const std::vector<test::FormField>& fields,
                     const httplib::Headers& headers = {}) {
  return c.Post(path.c_str(), headers, test::multipart_body(fields), test::form_type().c_str());
}

void check_still_up(const LiveServer& server) {
  auto c = server.client();
  const auto r = c.Get("/healthz");
  REQUIRE(r);
  CHECK(r->status == 200);
}

// The error JSON of a refused request: its status, its field.
void check_error(const httplib::Result& r, int status, const std::string& field, const std::string& says) {
  REQUIRE(r);
  CHECK(r->status == status);
  CHECK(r->get_header_value("Content-Type") == "application/json");
  const json j = json::parse(r->body);
  CHECK(j.contains("error"));
  CHECK(j["field"] == (field.empty() ? json(nullptr) : json(field)));
  CHECK_MESSAGE(j["error"].get<std::string>().find(says) != std::string::npos, j["error"]);
}

std::vector<test::FormField> slow_job() { return {test::photo_field(64, 64), {"style", "plain", ""}}; }

// Polls job `id` until a worker has taken it from the queue.
void wait_until_running(httplib::Client& c, const std::string& id) {
  while (json::parse(c.Get(("/api/v1/jobs/" + id).c_str())->body)["status"] != "running")
    std::this_thread::sleep_for(10ms);
}

}  // namespace

TEST_SUITE("serve program") {
  TEST_CASE("every route answers: page, health, metrics, styles, stylise, jobs, events, result, cancel") {
    LiveServer server(styles().path());
    auto c = server.client();
    const auto page = c.Get("/");
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
    CHECK(page->body.find("<title>ganforge") != std::string::npos);
    CHECK(c.Get("/app.js")->get_header_value("Content-Type") == "text/javascript; charset=utf-8");
    CHECK(c.Get("/style.css")->get_header_value("Content-Type") == "text/css; charset=utf-8");
    CHECK(json::parse(c.Get("/healthz")->body) == json{{"status", "ok"}});
    const json styles_list = json::parse(c.Get("/api/v1/styles")->body);
    CHECK(styles_list.size() == 4);
    const auto thumb = c.Get("/api/v1/styles/tiny/thumbnail");
    CHECK(thumb->status == 200);
    CHECK(thumb->get_header_value("Content-Type") == "image/png");

    const auto image = post(c, "/api/v1/stylize", {test::photo_field(40, 32), {"style", "tiny", ""}});
    REQUIRE(image);
    CHECK(image->status == 200);
    CHECK(image->get_header_value("Content-Type") == "image/png");
    CHECK(std::stod(image->get_header_value("X-SSIM")) > 0);
    CHECK(!image->get_header_value("X-Elapsed-Ms").empty());

    const auto accepted = post(c, "/api/v1/jobs", {test::photo_field(40, 32), {"style", "tiny", ""}});
    REQUIRE(accepted);
    CHECK(accepted->status == 202);
    const std::string id = json::parse(accepted->body)["id"];
    CHECK(accepted->get_header_value("Location") == "/api/v1/jobs/" + id);
    std::string events;
    const auto stream = c.Get(("/api/v1/jobs/" + id + "/events").c_str(), [&](const char* data, std::size_t n) {
      events.append(data, n);
      return true;
    });
    REQUIRE(stream);
    CHECK(stream->get_header_value("Content-Type") == "text/event-stream");
    CHECK(events.find("event: status\ndata: {") == 0);
    CHECK(events.find("\"status\":\"done\"") != std::string::npos);
    CHECK(json::parse(c.Get(("/api/v1/jobs/" + id).c_str())->body)["status"] == "done");
    const auto result = c.Get(("/api/v1/jobs/" + id + "/result").c_str());
    CHECK(result->status == 200);
    CHECK(result->body.substr(1, 3) == "PNG");
    CHECK(c.Delete(("/api/v1/jobs/" + id).c_str())->status == 200);
    check_error(c.Get(("/api/v1/jobs/" + id + "/result").c_str()), 404, "", "no job");

    const std::string metrics = c.Get("/metrics")->body;
    CHECK(metrics.find("gf_http_requests_total{route=\"/api/v1/stylize\",method=\"POST\",code=\"200\"} 1") !=
          std::string::npos);
    CHECK(metrics.find("gf_jobs_finished_total{state=\"done\"} 2") != std::string::npos);
    // One access-log line per request.
    CHECK(server.log().find("\"POST /api/v1/stylize\" 200") != std::string::npos);
    CHECK(server.log().find("\"GET /healthz\" 200 15 B") != std::string::npos);
  }

  TEST_CASE("bad requests get their 4xx and leave the server up") {
    LiveServer server(styles().path(), {"--max-upload-mb", "1"});
    auto c = server.client();
    const test::FormField photo = test::photo_field();
    const test::FormField style{"style", "tiny", ""};
    const auto before_rss = [&] {
      const std::string m = c.Get("/metrics")->body;
      const auto at = m.find("\nprocess_resident_memory_bytes ");
      return std::stod(m.substr(at + 31));
    }();

    check_error(post(c, "/api/v1/stylize", {{"image", "I am a text file, not a picture", "photo.png"}, style}), 415,
                "image", "not a PNG or JPEG");
    check_still_up(server);
    check_error(post(c, "/api/v1/stylize", {{"image", photo.data.substr(0, photo.data.size() / 2), "p.png"}, style}),
                400, "image", "not a valid PNG");
    check_still_up(server);
    const std::string jpeg = test::jpeg_bytes({.width = 64, .height = 48}, test::pattern_sample);
    check_error(post(c, "/api/v1/stylize", {{"image", jpeg.substr(0, jpeg.size() / 2), "p.jpg"}, style}), 400,
                "image", "not a valid JPEG");
    check_still_up(server);
    const std::string huge = test::png_bytes({.width = 60000, .height = 60000, .header_only = true}, test::pattern_sample);
    check_error(post(c, "/api/v1/stylize", {{"image", huge, "huge.png"}, style}), 413, "image", "60000x60000");
    check_still_up(server);
    check_error(post(c, "/api/v1/stylize", {{"image", std::string(1536 * 1024, 'x'), "big.png"}, style}), 413, "",
                "larger than the server's limit of 1 MB");
    check_still_up(server);
    check_error(post(c, "/api/v1/stylize", {photo, {"style", "van-gogh", ""}}), 400, "style", "unknown style");
    check_error(post(c, "/api/v1/stylize", {photo, style, {"alpha", "7", ""}}), 400, "alpha", "[0, 1]");
    check_error(post(c, "/api/v1/stylize", {style}), 400, "image", "missing");
    check_error(c.Post("/api/v1/stylize", "{\"image\": 1}", "application/json"), 415, "", "multipart/form-data");
    check_error(c.Post("/api/v1/stylize", "garbage", "multipart/form-data; boundary=zz"), 400, "", "malformed");
    check_error(c.Get("/api/v1/nothing-here"), 404, "", "no route GET /api/v1/nothing-here");
    check_error(c.Get("/api/v1/jobs/unknownjob"), 404, "", "no job 'unknownjob'");
    check_still_up(server);

    const std::string m = c.Get("/metrics")->body;
    for (const char* reason : {"unsupported_format", "corrupt", "too_many_pixels", "too_large_bytes", "bad_field",
                               "not_multipart", "malformed_form"}) {
      CAPTURE(reason);
      CHECK(m.find(std::string("gf_uploads_rejected_total{reason=\"") + reason + "\"}") != std::string::npos);
    }
    const double after_rss = std::stod(m.substr(m.find("\nprocess_resident_memory_bytes ") + 31));
    CHECK(after_rss < before_rss + 64e6);  // the 60000 x 60000 claim allocated nothing
  }

  TEST_CASE("with --token every API request needs it; the page and health do not") {
    LiveServer server(styles().path(), {"--token", "s3cret"});
    auto c = server.client();
    check_error(c.Get("/api/v1/styles"), 401, "", "token");
    check_error(post(c, "/api/v1/stylize", {test::photo_field(), {"style", "tiny", ""}},
                     {{"Authorization", "Bearer wrong"}}),
                401, "", "token");
    check_still_up(server);
    CHECK(c.Get("/api/v1/styles", {{"Authorization", "Bearer s3cret"}})->status == 200);
    CHECK(post(c, "/api/v1/stylize", {test::photo_field(), {"style", "tiny", ""}}, {{"Authorization", "Bearer s3cret"}})
              ->status == 200);
    CHECK(c.Get("/")->status == 200);
  }

  TEST_CASE("a full queue is 429; a running job can be cancelled") {
    LiveServer server(styles().path(), {"--workers", "1", "--max-queue", "1"});
    auto c = server.client();
    const std::string running = json::parse(post(c, "/api/v1/jobs", slow_job())->body)["id"];
    // Only once the worker holds the first job is the queue's one place free
    // for the second (on a busy machine the worker can take a while).
    wait_until_running(c, running);
    const std::string queued = json::parse(post(c, "/api/v1/jobs", slow_job())->body)["id"];
    const auto full = post(c, "/api/v1/jobs", slow_job());
    check_error(full, 429, "", "queue is full");
    CHECK(std::stoi(full->get_header_value("Retry-After")) >= 1);
    check_still_up(server);
    CHECK(json::parse(c.Delete(("/api/v1/jobs/" + running).c_str())->body)["status"] == "cancelled");
    CHECK(json::parse(c.Delete(("/api/v1/jobs/" + queued).c_str())->body)["status"] == "cancelled");
    check_still_up(server);
  }

  TEST_CASE("SIGTERM during a job: new requests get 503, the process exits 0 within 10 s") {
    LiveServer server(styles().path(), {"--workers", "1"});
    auto c = server.client();
    const std::string id = json::parse(post(c, "/api/v1/jobs", slow_job())->body)["id"];
    wait_until_running(c, id);
    std::pair<int, double> stopped;
    std::thread stopper([&] { stopped = server.stop(); });
    std::this_thread::sleep_for(300ms);  // within the grace period: still listening
    auto late = server.client();
    const auto refused = late.Get("/api/v1/styles");
    if (refused) check_error(refused, 503, "", "shutting down");  // (or already closed: also a refusal)
    stopper.join();
    CHECK(stopped.first == 0);
    CHECK(stopped.second < 10.0);
    CHECK(server.log().find("SIGTERM") != std::string::npos);
    CHECK(server.log().find("serve: stopped") != std::string::npos);
  }

  TEST_CASE("OpenMP's idle threads sleep at once (OMP_WAIT_POLICY=passive unless the user set it)") {
    test::TempDir dir("serve_omp");
    setenv("OMP_DISPLAY_ENV", "verbose", 1);  // libgomp prints its settings as it loads
    test::run_program("serve", "--help", dir.file("log"));
    setenv("OMP_WAIT_POLICY", "active", 1);
    test::run_program("serve", "--help", dir.file("log_active"));
    unsetenv("OMP_WAIT_POLICY");
    unsetenv("OMP_DISPLAY_ENV");
    CHECK(test::read_bytes(dir.file("log")).find("GOMP_SPINCOUNT = '0'") != std::string::npos);
    CHECK(test::read_bytes(dir.file("log_active")).find("GOMP_SPINCOUNT = '0'") == std::string::npos);
  }

  TEST_CASE("bad options are refused with a message") {
    test::TempDir dir("serve_options");
    CHECK(test::run_program("serve", "--gallery none --styles /no/such/dir", dir.file("log")) == 1);
    CHECK(test::read_bytes(dir.file("log")).find("'/no/such/dir' is not a folder") != std::string::npos);
    CHECK(test::run_program("serve", "--gallery none --styles " + dir.path().string(), dir.file("log2")) == 1);
    CHECK(test::read_bytes(dir.file("log2")).find("no styles") != std::string::npos);
  }
}

#endif  // GF_BUILT_EXAMPLES
