// multipart/form-data parsing: the bodies browsers and curl send, and the
// malformed ones an attacker sends, each a 400 saying what is wrong.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>

#include "gf/serve/api_error.hpp"
#include "gf/serve/multipart.hpp"

using namespace gf::serve;

namespace {

std::string part(const std::string& boundary, const std::string& headers, const std::string& data) {
  return "--" + boundary + "\r\n" + headers + "\r\n\r\n" + data + "\r\n";
}

// The status and message of the ApiError `fn` throws (status 0 when none).
std::pair<int, std::string> api_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ApiError& e) {
    return {e.status(), e.what()};
  }
  return {0, ""};
}

}  // namespace

TEST_SUITE("multipart") {
  TEST_CASE("the boundary comes from the Content-Type, quoted or not") {
    CHECK(multipart_boundary("multipart/form-data; boundary=abc123") == "abc123");
    CHECK(multipart_boundary("Multipart/Form-Data;boundary=\"a b'c\"") == "a b'c");
    CHECK(multipart_boundary("multipart/form-data; charset=utf-8; boundary=----WebKitFormBoundaryx7") ==
          "----WebKitFormBoundaryx7");
    CHECK(api_error([] { multipart_boundary("application/json"); }).first == 415);
    CHECK(api_error([] { multipart_boundary(""); }).first == 415);
    CHECK(api_error([] { multipart_boundary("multipart/form-data"); }).first == 400);
    CHECK(api_error([] { multipart_boundary("multipart/form-data; boundary="); }).first == 400);
    CHECK(api_error([] { multipart_boundary("multipart/form-data; boundary=a\x01z"); }).first == 400);
    CHECK(api_error([] { multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')); }).first == 400);
    CHECK(api_error([] { multipart_boundary("multipart/form-data; boundary=\"abc"); }).first == 400);
  }

  TEST_CASE("fields and files come back in order, with their bytes untouched") {
    const std::string b = "XyZ";
    // File data holding CRLFs, dashes and a near-boundary: only "\r\n--XyZ" ends a part.
    const std::string file = std::string("\x89PNG\r\n--Xy\r\n--XyQ\0binary", 24);
    const std::string body = part(b, "Content-Disposition: form-data; name=\"image\"; filename=\"cat.png\"\r\n"
                                     "Content-Type: image/png", file) +
                             part(b, "content-disposition: form-data; name=alpha", "0.8") +
                             part(b, "Content-Disposition: form-data; name=\"empty\"", "") + "--" + b + "--\r\n";
    const auto parts = parse_multipart(body, b);
    REQUIRE(parts.size() == 3);
    CHECK(parts[0].name == "image");
    CHECK(parts[0].filename == "cat.png");
    CHECK(parts[0].content_type == "image/png");
    CHECK(parts[0].is_file());
    CHECK(parts[0].data == file);
    CHECK(parts[1].name == "alpha");
    CHECK(!parts[1].is_file());
    CHECK(parts[1].data == "0.8");
    CHECK(parts[2].data.empty());
    // Views into the body: nothing was copied.
    CHECK(parts[0].data.data() >= body.data());
    CHECK(parts[0].data.data() < body.data() + body.size());
  }

  TEST_CASE("preamble, epilogue, quoted names with escapes, and an empty filename are accepted") {
    const std::string b = "b";
    const std::string body = "This is the preamble.\r\n" +
                             part(b, "Content-Disposition: form-data; name=\"we\\\"ird\"; filename=\"\"", "x") +
                             "--b--\r\nepilogue";
    const auto parts = parse_multipart(body, b);
    REQUIRE(parts.size() == 1);
    CHECK(parts[0].name == "we\"ird");
    CHECK(parts[0].filename == "upload");  // a file field whose name the browser left empty
    CHECK(parse_multipart("--b--\r\n", "b").empty());
  }

  TEST_CASE("malformed bodies are 400s naming the problem") {
    const std::string b = "b";
    const std::string ok_headers = "Content-Disposition: form-data; name=\"a\"";
    struct Case {
      const char* what;
      std::string body;
      const char* says;
    };
    const Case cases[] = {
        {"no boundary at all", "hello", "no boundary line"},
        {"body ends inside a part", "--b\r\n" + ok_headers + "\r\n\r\nabc", "ends inside part 'a'"},
        {"no closing boundary", part(b, ok_headers, "1"), "ends inside"},
        {"junk after a boundary", "--bjunk\r\n" + ok_headers + "\r\n\r\n1\r\n--b--", "not followed by a line break"},
        {"headers never end", "--b\r\n" + ok_headers + "\r\nX: y", "headers do not end"},
        {"header without a colon", part(b, ok_headers + "\r\nno colon here", "1") + "--b--", "without ':'"},
        {"no Content-Disposition", part(b, "Content-Type: text/plain", "1") + "--b--", "without a Content-Disposition"},
        {"not form-data", part(b, "Content-Disposition: attachment; name=\"a\"", "1") + "--b--", "not form-data"},
        {"no field name", part(b, "Content-Disposition: form-data; filename=\"x\"", "1") + "--b--", "without a field name"},
        {"no headers", "--b\r\n\r\n1\r\n--b--", "without headers"},
        {"unterminated quote", part(b, "Content-Disposition: form-data; name=\"a", "1") + "--b--", "unterminated"},
        {"headers too long", part(b, ok_headers + "\r\nX: " + std::string(5000, 'x'), "1") + "--b--",
         "headers do not end within 4096"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.what);
      const auto [status, message] = api_error([&] { parse_multipart(c.body, b); });
      CHECK(status == 400);
      CHECK_MESSAGE(message.find(c.says) != std::string::npos, message);
    }
    std::string many;
    for (int i = 0; i < 17; ++i) many += part(b, ok_headers, "1");
    const auto [status, message] = api_error([&] { parse_multipart(many + "--b--", b); });
    CHECK(status == 400);
    CHECK(message.find("more than 16 parts") != std::string::npos);
  }

  TEST_CASE("data made of near-boundaries is scanned in linear time") {
    const std::string b = std::string(69, '-') + "x";  // the longest boundary, all but its end matching the data
    const std::string near = "\r\n--" + std::string(69, '-');
    std::string data;
    while (data.size() < (8u << 20)) data += near;
    const std::string body = part(b, "Content-Disposition: form-data; name=\"a\"", data) + "--" + b + "--";
    const auto start = std::chrono::steady_clock::now();
    const auto parts = parse_multipart(body, b);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
    REQUIRE(parts.size() == 1);
    CHECK(parts[0].data.size() == data.size());
  }
}
