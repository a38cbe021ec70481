// The service's routes without sockets: every answer, status and header the
// HTTP layer passes on, with a folder of tiny styles.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "gf/io/untrusted_image.hpp"
#include "gf/metrics/flat_regions.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/reduce.hpp"
#include "gf/serve/service.hpp"
#include "serve_helpers.hpp"

using namespace gf;
using namespace gf::serve;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<const StyleRegistry> styles() {
  static test::StyleFolder folder;
  static auto reg = [] {
    auto r = std::make_shared<StyleRegistry>();
    std::ostringstream log;
    r->add_directory(folder.path(), log);
    return r;
  }();
  return reg;
}

std::string header(const Reply& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "";
}

std::string body(const std::vector<test::FormField>& fields) { return test::multipart_body(fields); }

// The styles of `dir` once an untrained AdaIN model with the recolour head is added in its sub-folder "recolour"
// (its result takes the uploaded style's colour statistics, whatever they are).
std::shared_ptr<StyleRegistry> with_recolour_adain(const test::TempDir& dir, Rng& gen) {
  std::filesystem::create_directories(dir.path() / "recolour");
  models::save_adain(dir.file("recolour/checkpoint.safetensors"),
                     models::AdainNet({.width_divisor = 16, .recolour = true}, gen));
  auto registry = std::make_shared<StyleRegistry>();
  std::ostringstream log;
  registry->add_directory(dir.path().string(), log);
  return registry;
}

// An optimisation job: a couple of seconds at this size, stoppable at every step.
std::vector<test::FormField> slow_job() { return {test::photo_field(64, 64), {"style", "plain", ""}}; }

}  // namespace

TEST_SUITE("serve service") {
  TEST_CASE("health, styles and thumbnails") {
    Service service({}, styles());
    CHECK(json::parse(service.health().body) == json{{"status", "ok"}});
    const json list = json::parse(service.styles().body);
    REQUIRE(list.size() == 4);
    CHECK(list[1] == json{{"id", "tiny"}, {"name", "Tiny"}, {"kind", "network"},
                          {"thumbnail", "/api/v1/styles/tiny/thumbnail"}});
    const Reply thumb = service.thumbnail("tiny");
    CHECK(thumb.status == 200);
    CHECK(thumb.content_type == "image/png");
    CHECK(io::sniff_image_format(thumb.body) == io::ImageFormat::kPng);
    const Reply missing = service.thumbnail("nope");
    CHECK(missing.status == 404);
    CHECK(json::parse(missing.body)["field"] == "style");
  }

  TEST_CASE("POST /stylize answers with the picture and its figures, PNG or JPEG") {
    Service service({.workers = 2}, styles());
    const Reply r = service.stylize(test::form_type(), body({test::photo_field(40, 32), {"style", "tiny", ""},
                                                              {"alpha", "0.5", ""}, {"fuse", "pyramid", ""}}));
    REQUIRE(r.status == 200);
    CHECK(r.content_type == "image/png");
    const io::DecodedImage out = io::decode_untrusted_image(r.body, {});
    CHECK(out.width == 40);
    CHECK(out.height == 32);
    const double ssim = std::stod(header(r, "X-SSIM"));
    CHECK(ssim > 0.0);
    CHECK(ssim <= 1.0);
    CHECK(!header(r, "X-Elapsed-Ms").empty());
    CHECK(service.job(header(r, "X-Job-Id")).status == 404);  // delivered: not kept

    const Reply jpeg = service.stylize(test::form_type(), body({test::photo_field(), {"style", "tiny", ""},
                                                                 {"format", "jpeg", ""}}));
    CHECK(jpeg.content_type == "image/jpeg");
    CHECK(io::sniff_image_format(jpeg.body) == io::ImageFormat::kJpeg);

    const Reply bad = service.stylize(test::form_type(), body({test::photo_field(), {"style", "tiny", ""},
                                                                {"alpha", "7", ""}}));
    CHECK(bad.status == 400);
    CHECK(json::parse(bad.body) ==
          json{{"error", "alpha must be a number in [0, 1], got '7'"}, {"field", "alpha"}});
    CHECK(service.metrics().body.find("gf_uploads_rejected_total{reason=\"bad_field\"} 1") != std::string::npos);
  }

  TEST_CASE("results clipped to black get the photo's detail back, as style_apply and adain_apply do") {
    test::TempDir dir("dark_styles");
    Rng gen(9);
    // A network whose recolour target lies far below 0: a black picture once clamped.
    models::StyleNet net({.width = 4, .residual_blocks = 1, .head = models::StyleNetHead::kMatched}, &gen);
    net.style_mean.fill_(-5.0);
    models::save_style_net(dir.file("dark.safetensors"), net);
    test::write_bytes(dir.file("dark.png"), test::png_bytes({.width = 48, .height = 40}, test::pattern_sample));
    // An AdaIN model with the recolour head: a black style picture gives a black result.
    Service service({.workers = 1}, with_recolour_adain(dir, gen));
    const std::string black = test::png_bytes({.width = 24, .height = 24}, [](int, int, int) { return 0.0; });
    for (const auto& fields : {std::vector<test::FormField>{test::photo_field(48, 40), {"style", "dark", ""}},
                               std::vector<test::FormField>{test::photo_field(48, 40), {"style", "recolour", ""},
                                                            {"style_image", black, "black.png"}}}) {
      CAPTURE(fields[1].data);
      const Reply r = service.stylize(test::form_type(), body(fields));
      REQUIRE(r.status == 200);
      const Tensor out = io::decode_untrusted_image(r.body, {}).pixels;
      CHECK(max(out).item() > 0.05);
      CHECK(metrics::flat_saturated_fraction(out) < 0.2);
    }
  }

  TEST_CASE("smooth results take the style picture's texture, as style_apply and adain_apply do") {
    test::TempDir dir("textured_styles");
    Rng gen(10);
    // A grey checkerboard of 4 x 4 squares: the style; a flat grey photo: nothing of its own to keep.
    const auto checks = [](int x, int y, int) { return (x / 4 + y / 4) % 2 == 0 ? 0.3 : 0.7; };
    const Tensor checkered = io::decode_untrusted_image(test::png_bytes({.width = 48, .height = 48}, checks), {}).pixels;
    const std::string flat = test::png_bytes({.width = 48, .height = 40}, [](int, int, int) { return 0.5; });
    // The same recolour network twice, aiming at the checkerboard's colours: one file holds the style picture.
    models::StyleNet net({.width = 4, .residual_blocks = 1, .head = models::StyleNetHead::kRecolour}, &gen);
    net.set_style_colours(checkered);
    models::save_style_net(dir.file("bare.safetensors"), net);
    models::save_style_net(dir.file("checked.safetensors"), net, {}, checkered);
    Service service({.workers = 1}, with_recolour_adain(dir, gen));
    const auto spread = [&](const std::vector<test::FormField>& fields) {
      const Reply r = service.stylize(test::form_type(), body(fields));
      REQUIRE(r.status == 200);
      const Tensor out = io::decode_untrusted_image(r.body, {}).pixels;
      return max(out).item() + max(neg(out)).item();  // max - min
    };
    const test::FormField photo{"image", flat, "flat.png"};
    CHECK(spread({photo, {"style", "bare", ""}}) < 0.05);
    CHECK(spread({photo, {"style", "checked", ""}}) > 0.15);
    CHECK(spread({photo, {"style", "checked", ""}, {"texture", "0", ""}}) < 0.05);  // the client turns it off
    const test::FormField style_image{"style_image", test::png_bytes({.width = 48, .height = 48}, checks), "checks.png"};
    CHECK(spread({photo, {"style", "recolour", ""}, style_image}) > 0.15);
    CHECK(spread({photo, {"style", "recolour", ""}, style_image, {"alpha", "0", ""}}) < 0.05);  // the photo
    CHECK(spread({photo, {"style", "recolour", ""}, style_image, {"texture", "0", ""}}) < 0.05);
    // The smallest style picture the service takes (16 pixels a side) is smaller than a piece: smaller pieces.
    const test::FormField small{"style_image", test::png_bytes({.width = 16, .height = 16}, checks), "small.png"};
    CHECK(spread({photo, {"style", "recolour", ""}, small}) > 0.15);
  }

  TEST_CASE("a job: 202 with its place, status, events to the end, result, then forgotten on DELETE") {
    Service service({.workers = 1}, styles());
    const Reply accepted = service.submit(test::form_type(), body({test::photo_field(), {"style", "tiny", ""}}));
    REQUIRE(accepted.status == 202);
    const json j = json::parse(accepted.body);
    const std::string id = j["id"];
    CHECK(j["status"] == "queued");
    CHECK(j["position"] == 1);
    CHECK(header(accepted, "Location") == "/api/v1/jobs/" + id);

    CHECK(!service.events_precheck(id));
    std::vector<json> events;
    service.stream_events(id, [&](std::string_view chunk) {
      const std::string prefix = "event: status\ndata: ";
      REQUIRE(chunk.substr(0, prefix.size()) == prefix);
      events.push_back(json::parse(chunk.substr(prefix.size())));
      return true;
    });
    REQUIRE(!events.empty());
    CHECK(events.back()["status"] == "done");
    CHECK(events.back()["progress"] == 1.0);
    CHECK(events.back()["width"] == 40.0);
    CHECK(events.back()["ssim"].is_number());

    const json status = json::parse(service.job(id).body);
    CHECK(status["status"] == "done");
    CHECK(status["error"].is_null());
    const Reply result = service.result(id);
    CHECK(result.status == 200);
    CHECK(io::sniff_image_format(result.body) == io::ImageFormat::kPng);
    CHECK(service.cancel(id).status == 200);
    CHECK(service.result(id).status == 404);
    CHECK(service.job("0123").status == 404);
    CHECK(service.events_precheck("0123")->status == 404);
  }

  TEST_CASE("the queue full is 429 with Retry-After; a running optimisation stops when cancelled") {
    Service service({.workers = 1, .max_queue = 1}, styles());
    const std::string running = json::parse(service.submit(test::form_type(), body(slow_job())).body)["id"];
    while (json::parse(service.job(running).body)["status"] != "running") std::this_thread::sleep_for(5ms);
    const std::string queued = json::parse(service.submit(test::form_type(), body(slow_job())).body)["id"];
    const Reply full = service.submit(test::form_type(), body(slow_job()));
    CHECK(full.status == 429);
    CHECK(std::stoi(header(full, "Retry-After")) >= 1);
    CHECK(json::parse(full.body)["error"].get<std::string>().find("queue is full") != std::string::npos);

    // A 409 while not done.
    const Reply early = service.result(running);
    CHECK(early.status == 409);
    CHECK(json::parse(early.body)["status"] == "running");

    CHECK(json::parse(service.cancel(queued).body)["status"] == "cancelled");
    const auto start = std::chrono::steady_clock::now();
    const json stopped = json::parse(service.cancel(running).body);
    CHECK(stopped["status"] == "cancelled");
    CHECK(std::chrono::steady_clock::now() - start < 2s);
    CHECK(json::parse(service.result(running).body)["error"] == "the job cancelled: cancelled");
  }

  TEST_CASE("the token, metrics, and shutdown") {
    Service open({}, styles());
    CHECK(open.authorized(""));
    Service locked({.token = "s3cret"}, styles());
    CHECK(locked.authorized("Bearer s3cret"));
    CHECK(!locked.authorized("Bearer s3cre"));
    CHECK(!locked.authorized("Bearer s3crett"));
    CHECK(!locked.authorized(""));
    CHECK(!locked.authorized("s3cret"));
    const Reply denied = locked.unauthorized();
    CHECK(denied.status == 401);
    CHECK(header(denied, "WWW-Authenticate") == "Bearer");

    open.record_request("GET", "/api/v1/jobs/3fa9/events", 200, 0.25);
    open.record_request("GET", "/api/v1/jobs/3fa9", 404, 0.001);
    open.record_request("GET", "/../../etc/passwd", 404, 0.001);
    open.record_rejected_upload("too_large_bytes");
    const std::string m = open.metrics().body;
    for (const char* line :
         {"gf_http_requests_total{route=\"/api/v1/jobs/{id}/events\",method=\"GET\",code=\"200\"} 1",
          "gf_http_requests_total{route=\"/api/v1/jobs/{id}\",method=\"GET\",code=\"404\"} 1",
          "gf_http_requests_total{route=\"other\",method=\"GET\",code=\"404\"} 1",
          "gf_http_request_duration_seconds_bucket{le=\"0.25\"} 3", "gf_http_request_duration_seconds_count 3",
          "gf_uploads_rejected_total{reason=\"too_large_bytes\"} 1", "gf_queue_depth 0", "gf_jobs{state=\"running\"} 0",
          "gf_styles{kind=\"network\"} 1", "gf_styles{kind=\"optimise\"} 2", "gf_styles{kind=\"adain\"} 1",
          "# TYPE gf_job_latency_seconds histogram", "# TYPE process_resident_memory_bytes gauge"}) {
      CAPTURE(line);
      CHECK(m.find(line) != std::string::npos);
    }
    CHECK(open.metrics().content_type.find("text/plain; version=0.0.4") == 0);

    open.shutdown(0ms);
    CHECK(open.shutting_down());
    const Reply refused = open.submit(test::form_type(), body({test::photo_field(), {"style", "tiny", ""}}));
    CHECK(refused.status == 503);
    CHECK(header(refused, "Retry-After") == "5");
  }
}
