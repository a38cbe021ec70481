// The style registry and the validation of stylise requests: which file
// becomes which style, and every bad field answered with its status and name.
#include <doctest/doctest.h>

#include <sstream>

#include "gf/serve/api_error.hpp"
#include "gf/serve/stylize_request.hpp"
#include "serve_helpers.hpp"

using namespace gf;
using namespace gf::serve;
using test::FormField;

namespace {

const StyleRegistry& registry() {
  static test::StyleFolder folder;
  static StyleRegistry r = [] {
    StyleRegistry reg;
    std::ostringstream log;
    reg.add_directory(folder.path(), log);
    return reg;
  }();
  return r;
}

StylizeRequest parse(const std::vector<FormField>& fields, std::int64_t max_pixels = 1 << 24) {
  return parse_stylize_request(test::form_type(), test::multipart_body(fields), registry(), {.max_pixels = max_pixels});
}

struct Refusal {
  int status = 0;
  std::string field, message, reason;
};
Refusal refusal(const std::vector<FormField>& fields, std::int64_t max_pixels = 1 << 24) {
  try {
    parse(fields, max_pixels);
  } catch (const ApiError& e) {
    return {e.status(), e.field(), e.what(), e.reason()};
  }
  return {};
}

}  // namespace

TEST_SUITE("serve requests") {
  TEST_CASE("the registry: a network and its picture, a picture alone, an AdaIN folder; the rest skipped") {
    test::StyleFolder folder;
    StyleRegistry reg;
    std::ostringstream log;
    reg.add_directory(folder.path(), log);
    std::vector<std::string> ids;
    for (const auto& s : reg.styles()) ids.push_back(s->id + ":" + to_string(s->kind));
    CHECK(ids == std::vector<std::string>{"plain:optimise", "tiny:network", "tiny-optimise:optimise", "run:adain"});
    CHECK(log.str().find("train/checkpoint.safetensors (not a style network or an AdaIN model; it is a "
                         "ganforge-style-train)") != std::string::npos);
    CHECK(log.str().find("junk.safetensors") != std::string::npos);
    const auto tiny = reg.find("tiny");
    REQUIRE(tiny);
    CHECK(tiny->network);
    CHECK(tiny->name == "Tiny");
    CHECK(reg.find("tiny-optimise")->image.shape() == Shape{1, 3, 40, 48});
    CHECK(reg.find("run")->adain);
    for (const auto& s : reg.styles()) {
      CAPTURE(s->id);
      CHECK(io::sniff_image_format(s->thumbnail_png) == io::ImageFormat::kPng);
    }
    CHECK(reg.load_seconds() > 0);
    CHECK(!reg.find("nope"));
    // The same folder again: ids stay unique.
    reg.add_directory(folder.path(), log);
    CHECK(reg.find("tiny-2"));
    CHECK_THROWS_WITH_AS(reg.add_directory(folder.path() + "/missing", log), doctest::Contains("not a folder"),
                         Error);
  }

  TEST_CASE("a good request: defaults, sizes and the method") {
    const StylizeRequest r = parse({test::photo_field(40, 32), {"style", "tiny", ""}});
    CHECK(r.method() == StyleKind::kNetwork);
    CHECK(r.photo.shape() == Shape{1, 3, 32, 40});  // the photo's own size: smaller than 1024
    CHECK(r.alpha == 1.0);
    CHECK(r.texture == 1.0);
    CHECK(r.fuse == "none");
    CHECK(r.format == io::ImageFormat::kPng);
    CHECK(r.source_width == 40);

    const StylizeRequest s = parse({test::photo_field(40, 32), {"style", "tiny", ""}, {"size", "100", ""},
                                    {"alpha", "0.25", ""}, {"texture", "0.5", ""}, {"fuse", "pyramid", ""},
                                    {"format", "jpeg", ""}});
    CHECK(s.photo.shape() == Shape{1, 3, 80, 100});
    CHECK(s.alpha == 0.25);
    CHECK(s.texture == 0.5);
    CHECK(s.fuse == "pyramid");
    CHECK(s.format == io::ImageFormat::kJpeg);

    // A style picture alone: the optimisation, on the upload; a gallery picture: on its own image.
    const StylizeRequest o = parse(
        {test::photo_field(), {"style_image", test::png_bytes({.width = 20, .height = 18}, test::pattern_sample), "s.png"}});
    CHECK(o.method() == StyleKind::kOptimise);
    CHECK(o.style_image.shape() == Shape{1, 3, 18, 20});
    CHECK(parse({test::photo_field(), {"style", "plain", ""}}).style_image.shape() == Shape{1, 3, 48, 64});
    // AdaIN takes the style picture with its id.
    const StylizeRequest a = parse({test::photo_field(), {"style", "run", ""},
                                    {"style_image", test::jpeg_bytes({.width = 24, .height = 24}, test::pattern_sample), "s.jpg"}});
    CHECK(a.method() == StyleKind::kAdain);
    CHECK(a.style_image.defined());
    // The optimisation's default size is small.
    CHECK(parse({test::photo_field(600, 300), {"style", "plain", ""}}).photo.shape() == Shape{1, 3, 128, 256});
    CHECK(parse({test::photo_field(600, 300), {"style", "tiny", ""}}).photo.shape() == Shape{1, 3, 300, 600});
  }

  TEST_CASE("each bad field is refused with its status and name") {
    const FormField photo = test::photo_field();
    const FormField style{"style", "tiny", ""};
    struct Case {
      const char* what;
      std::vector<FormField> fields;
      int status;
      const char* field;
      const char* says;
    };
    const Case cases[] = {
        {"no photo", {style}, 400, "image", "missing"},
        {"no style", {photo}, 400, "style", "choose a style"},
        {"unknown style", {photo, {"style", "van-gogh", ""}}, 400, "style", "unknown style 'van-gogh'"},
        {"style and picture", {photo, style, {"style_image", photo.data, "s.png"}}, 400, "style_image", "not both"},
        {"AdaIN without a picture", {photo, {"style", "run", ""}}, 400, "style_image", "upload one"},
        {"alpha 7", {photo, style, {"alpha", "7", ""}}, 400, "alpha", "[0, 1], got '7'"},
        {"alpha text", {photo, style, {"alpha", "half", ""}}, 400, "alpha", "got 'half'"},
        {"alpha nan", {photo, style, {"alpha", "nan", ""}}, 400, "alpha", "[0, 1]"},
        {"alpha trailing", {photo, style, {"alpha", "0.5x", ""}}, 400, "alpha", "[0, 1]"},
        {"texture 2", {photo, style, {"texture", "2", ""}}, 400, "texture", "texture must be a number in [0, 1], got '2'"},
        {"texture negative", {photo, style, {"texture", "-0.1", ""}}, 400, "texture", "[0, 1]"},
        {"fuse", {photo, style, {"fuse", "blur", ""}}, 400, "fuse", "none, pyramid or weighted"},
        {"format", {photo, style, {"format", "gif", ""}}, 400, "format", "png or jpeg"},
        {"size text", {photo, style, {"size", "big", ""}}, 400, "size", "whole number"},
        {"size too big", {photo, style, {"size", "5000", ""}}, 400, "size", "16 to 4096"},
        {"size too big to optimise", {photo, {"style", "plain", ""}, {"size", "512", ""}}, 400, "size", "16 to 384"},
        {"size too small", {photo, style, {"size", "8", ""}}, 400, "size", "16 to"},
        {"thin result", {test::photo_field(200, 10), style}, 400, "size", "at least 16"},
        {"unknown field", {photo, style, {"colour", "red", ""}}, 400, "colour", "unknown field 'colour'"},
        {"twice", {photo, style, style}, 400, "style", "given twice"},
        {"text named .png", {{"image", "hello, I am text", "photo.png"}, style}, 415, "image", "not a PNG or JPEG"},
        {"truncated PNG", {{"image", photo.data.substr(0, photo.data.size() - 30), "p.png"}, style}, 400, "image",
         "not a valid PNG"},
        {"bad style picture", {photo, {"style_image", "GIF89a", "s.gif"}}, 415, "style_image", "a GIF image; only PNG and JPEG are read"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.what);
      const Refusal r = refusal(c.fields);
      CHECK(r.status == c.status);
      CHECK(r.field == c.field);
      CHECK_MESSAGE(r.message.find(c.says) != std::string::npos, r.message);
    }
    const Refusal huge = refusal({test::photo_field(100, 100), style}, 9999);
    CHECK(huge.status == 413);
    CHECK(huge.field == "image");
    CHECK(huge.reason == "too_many_pixels");
    const Refusal result_too_big = refusal({test::photo_field(100, 100), style, {"size", "200", ""}}, 20000);
    CHECK(result_too_big.status == 400);
    CHECK(result_too_big.field == "size");
    // Not multipart at all.
    try {
      parse_stylize_request("application/json", "{}", registry(), {});
      FAIL("accepted");
    } catch (const ApiError& e) {
      CHECK(e.status() == 415);
    }
  }
}
