// serve_load: a load generator for the style-transfer service (ours, or any
// server with the same POST /api/v1/stylize), on cpp-httplib.
//
//   serve_load --url http://127.0.0.1:8080 --photo photo.png --style elephants --size 256 \
//              --requests 2000 --concurrency 16 --malformed 500 --check
//
// CONCURRENCY client threads, each with its own keep-alive connection, take
// the requests in one shuffled order (valid ones and, mixed in, MALFORMED
// ones of ten kinds: a text file named .png, a truncated PNG, a header
// claiming 60000 x 60000 pixels, alpha 7, an unknown style ...). It reports
// throughput and latency percentiles of the valid requests and the status
// codes of all. With --check it fails unless every valid request got 200,
// every malformed one a 4xx, nothing a 5xx, and the server's resident memory
// (from /metrics) after the run is within 10% of what it was after warm-up.
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <thread>

namespace {

struct Options {
  std::string url = "http://127.0.0.1:8080", photo, style = "elephants", token, json;
  int size = 256, requests = 200, concurrency = 8, malformed = 0, warmup = -1;
  bool check = false;
};

constexpr const char* kBoundary = "gfLoadBoundary9f2";

std::string form(const std::vector<std::array<std::string, 3>>& fields) {  // name, data, filename
  std::string body;
  for (const auto& [name, data, filename] : fields) {
    body += std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"";
    if (!filename.empty()) body += "; filename=\"" + filename + "\"\r\nContent-Type: application/octet-stream";
    body += "\r\n\r\n" + data + "\r\n";
  }
  return body + "--" + kBoundary + "--\r\n";
}

struct Request {
  std::string name;  // "valid" or what is wrong with it
  std::string body, content_type;
};

// A PNG whose IHDR claims 60000 x 60000 pixels, and nothing else.
std::string huge_png_header() {
  const unsigned char ihdr[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                0, 0, 0xEA, 0x60, 0, 0, 0xEA, 0x60, 8, 2, 0, 0, 0, 0x5b, 0x1c, 0x8f, 0x2e};
  return std::string(reinterpret_cast<const char*>(ihdr), sizeof ihdr);
}

std::vector<Request> malformed_kinds(const std::string& photo, const Options& o) {
  const std::string type = std::string("multipart/form-data; boundary=") + kBoundary;
  const std::string size = std::to_string(o.size);
  return {
      {"text named .png", form({{"image", "just text, not a picture", "photo.png"}, {"style", o.style, ""}}), type},
      {"truncated picture", form({{"image", photo.substr(0, photo.size() / 2), "photo.png"}, {"style", o.style, ""}}),
       type},
      {"60000x60000 header", form({{"image", huge_png_header(), "huge.png"}, {"style", o.style, ""}}), type},
      {"alpha 7", form({{"image", photo, "photo.png"}, {"style", o.style, ""}, {"alpha", "7", ""}}), type},
      {"unknown style", form({{"image", photo, "photo.png"}, {"style", "no-such-style", ""}}), type},
      {"no image", form({{"style", o.style, ""}, {"size", size, ""}}), type},
      {"unknown field", form({{"image", photo, "photo.png"}, {"style", o.style, ""}, {"colour", "red", ""}}), type},
      {"size 99999", form({{"image", photo, "photo.png"}, {"style", o.style, ""}, {"size", "99999", ""}}), type},
      {"not multipart", "{\"image\": \"photo.png\"}", "application/json"},
      {"broken multipart", "--" + std::string(kBoundary) + "\r\nno headers here", type},
  };
}

double resident_bytes(httplib::Client& client) {
  const auto r = client.Get("/metrics");
  if (!r || r->status != 200) return 0.0;
  std::smatch m;
  static const std::regex rss(R"(\nprocess_resident_memory_bytes ([0-9.e+]+))");
  return std::regex_search(r->body, m, rss) ? std::stod(m[1]) : 0.0;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(std::min<double>(v.size() - 1, p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"serve_load: load generator for POST /api/v1/stylize (throughput, latency percentiles, status codes)"};
  app.add_option("--url", o.url, "server base URL")->capture_default_str();
  app.add_option("--photo", o.photo, "PNG or JPEG photo to send")->required();
  app.add_option("--style", o.style, "style id")->capture_default_str();
  app.add_option("--size", o.size, "the size field (longest side of the result)")->capture_default_str();
  app.add_option("--requests", o.requests, "valid requests")->capture_default_str();
  app.add_option("--malformed", o.malformed, "malformed requests mixed in")->capture_default_str();
  app.add_option("--concurrency", o.concurrency, "client threads, one connection each")->capture_default_str();
  app.add_option("--warmup", o.warmup, "valid requests before measuring (default: 2 x concurrency)");
  app.add_option("--token", o.token, "bearer token");
  app.add_option("--json", o.json, "also write the figures to this JSON file");
  app.add_flag("--check", o.check, "exit 1 unless: valid -> 200, malformed -> 4xx, no 5xx, memory within 10%");
  CLI11_PARSE(app, argc, argv);

  std::ifstream in(o.photo, std::ios::binary);
  const std::string photo{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (photo.empty()) {
    std::cerr << "serve_load: cannot read --photo " << o.photo << "\n";
    return 1;
  }
  const auto client = [&] {
    httplib::Client c(o.url);
    c.set_read_timeout(300, 0);
    c.set_write_timeout(60, 0);
    c.set_keep_alive(true);
    if (!o.token.empty()) c.set_bearer_token_auth(o.token);
    return c;
  };
  const std::string type = std::string("multipart/form-data; boundary=") + kBoundary;
  const Request valid{"valid", form({{"image", photo, "photo.png"}, {"style", o.style, ""},
                                     {"size", std::to_string(o.size), ""}}),
                      type};
  const std::vector<Request> bad = malformed_kinds(photo, o);

  // The order: valid and malformed requests shuffled with a fixed seed.
  std::vector<const Request*> order(static_cast<std::size_t>(o.requests), &valid);
  for (int i = 0; i < o.malformed; ++i) order.push_back(&bad[static_cast<std::size_t>(i) % bad.size()]);
  std::shuffle(order.begin(), order.end(), std::mt19937(1));

  // ---- warm-up, then the resident memory to compare against --------------------------
  const int warmup = o.warmup >= 0 ? o.warmup : 2 * o.concurrency;
  {
    std::vector<std::thread> threads;
    std::atomic<int> next = 0;
    for (int t = 0; t < o.concurrency; ++t)
      threads.emplace_back([&] {
        auto c = client();
        while (next++ < warmup) c.Post("/api/v1/stylize", valid.body, valid.content_type.c_str());
      });
    for (auto& t : threads) t.join();
  }
  auto probe = client();
  const double rss_before = resident_bytes(probe);

  // ---- the run --------------------------------------------------------------------------
  std::mutex m;
  std::vector<double> latencies_ms;            // valid requests
  std::map<std::string, std::map<int, int>> codes;  // request kind -> status -> count
  std::atomic<std::size_t> next = 0;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < o.concurrency; ++t)
    threads.emplace_back([&] {
      auto c = client();
      for (std::size_t i; (i = next++) < order.size();) {
        const Request& r = *order[i];
        const auto t0 = std::chrono::steady_clock::now();
        const auto res = c.Post("/api/v1/stylize", r.body, r.content_type.c_str());
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        std::lock_guard<std::mutex> lock(m);
        codes[r.name][res ? res->status : 0]++;  // 0: no answer (connection failed)
        if (&r == &valid && res && res->status == 200) latencies_ms.push_back(ms);
      }
    });
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the server free what it holds
  const double rss_after = resident_bytes(probe);

  // ---- report ---------------------------------------------------------------------------
  const double throughput = static_cast<double>(latencies_ms.size()) / seconds;
  const double p50 = percentile(latencies_ms, 0.50), p99 = percentile(latencies_ms, 0.99);
  std::printf("serve_load: %zu requests (%d valid, %d malformed) at concurrency %d in %.2f s\n", order.size(),
              o.requests, o.malformed, o.concurrency, seconds);
  std::printf("  valid: %.2f images/s, latency p50 %.1f ms, p99 %.1f ms\n", throughput, p50, p99);
  bool ok = true;
  for (const auto& [name, by_code] : codes) {
    std::printf("  %-20s", name.c_str());
    for (const auto& [code, n] : by_code) {
      std::printf(" %d x%d", code, n);
      const bool good = name == "valid" ? code == 200 : code >= 400 && code < 500;
      ok = ok && good;
    }
    std::printf("\n");
  }
  if (rss_before > 0)
    std::printf("  server memory: %.1f MB after warm-up, %.1f MB after the run (%+.1f%%)\n", rss_before / 1e6,
                rss_after / 1e6, 100.0 * (rss_after - rss_before) / rss_before);
  const bool memory_ok = rss_before <= 0 || rss_after <= 1.10 * rss_before;
  if (!o.json.empty())
    std::ofstream(o.json) << "{\"images_per_s\": " << throughput << ", \"p50_ms\": " << p50 << ", \"p99_ms\": " << p99
                          << ", \"seconds\": " << seconds << ", \"ok\": " << (ok ? "true" : "false") << "}\n";
  if (o.check && !(ok && memory_ok)) {
    std::printf("serve_load: FAILED (%s)\n", !ok ? "a status code was wrong" : "memory grew by more than 10%");
    return 1;
  }
  return 0;
}
