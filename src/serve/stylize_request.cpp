#include "gf/serve/stylize_request.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "gf/core/parse_number.hpp"
#include "gf/data/transforms.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/serve/api_error.hpp"
#include "gf/serve/multipart.hpp"

namespace gf::serve {
namespace {

const char* const kFields[] = {"image", "style", "style_image", "alpha", "texture", "fuse", "size", "format"};

[[noreturn]] void bad_field(const std::string& field, const std::string& message) {
  throw ApiError(400, field, message, "bad_field");
}

// A text field's value, shown in messages: at most 40 characters.
std::string shown(std::string_view value) {
  std::string out = "'";
  out.append(value.substr(0, 40)).append(value.size() > 40 ? "...'" : "'");
  return out;
}

// A number in [0, 1] for `field` (alpha, texture).
double parse_unit(const std::string& field, std::string_view text) {
  const std::optional<double> v = parse_number<double>(text);
  if (!v || !std::isfinite(*v) || *v < 0.0 || *v > 1.0)
    bad_field(field, field + " must be a number in [0, 1], got " + shown(text));
  return *v;
}

std::int64_t parse_size(std::string_view text, std::int64_t max_side) {
  const std::optional<std::int64_t> v = parse_number<std::int64_t>(text);
  if (!v || *v < kMinSide || *v > max_side)
    bad_field("size", "size must be a whole number of pixels from " + std::to_string(kMinSide) + " to " +
                          std::to_string(max_side) + " for this method, got " + shown(text));
  return *v;
}

// The upload in `field` decoded and resized so its longest side is `longest`
// (0: the default side, or the picture's own when smaller); (1, 3, h, w).
struct Picture {
  Tensor pixels;
  std::int64_t width, height;  // as uploaded
};
Picture decode_picture(const std::string& field, std::string_view bytes, std::int64_t longest,
                       std::int64_t default_side, const RequestLimits& limits) {
  const std::int64_t target = longest > 0 ? longest : default_side;
  io::DecodedImage decoded;
  try {
    decoded = io::decode_untrusted_image(bytes, {.max_pixels = limits.max_pixels, .min_side = target},
                                         "field '" + field + "'");
  } catch (const io::UntrustedImageError& e) {
    using Reason = io::UntrustedImageError::Reason;
    const int status = e.reason() == Reason::kUnsupportedFormat ? 415 : e.reason() == Reason::kTooManyPixels ? 413 : 400;
    throw ApiError(status, field, e.what(), io::to_string(e.reason()));
  }
  Tensor img = decoded.pixels;  // (3, H', W'), maybe shrunk while decoding
  const std::int64_t side = longest > 0 ? longest : std::min(default_side, std::max(decoded.width, decoded.height));
  const auto [h, w] = data::size_with_longest_side(decoded.height, decoded.width, side);
  if (std::min(h, w) < kMinSide)
    bad_field(field == "image" ? "size" : field,
              "the " + std::string(field == "image" ? "result" : "style image") + " would be " + std::to_string(w) +
                  "x" + std::to_string(h) + " pixels; both sides must be at least " + std::to_string(kMinSide));
  if (w > limits.max_pixels / h)
    throw ApiError(400, "size", "a result of " + std::to_string(w) + "x" + std::to_string(h) +
                                    " pixels is more than the server's limit of " + std::to_string(limits.max_pixels),
                   "bad_field");
  if (h != img.size(1) || w != img.size(2)) img = clamp(data::resize(img, h, w), 0.0, 1.0);
  return {img.unsqueeze(0), decoded.width, decoded.height};
}

}  // namespace

StylizeRequest parse_stylize_request(std::string_view content_type, std::string_view body,
                                     const StyleRegistry& styles, const RequestLimits& limits) {
  std::map<std::string, FormPart> fields;
  for (FormPart& part : parse_multipart(body, multipart_boundary(content_type))) {
    if (std::find(std::begin(kFields), std::end(kFields), part.name) == std::end(kFields))
      bad_field(part.name, "unknown field " + shown(part.name) +
                               "; the fields are image, style, style_image, alpha, texture, fuse, size and format");
    if (fields.count(part.name)) bad_field(part.name, "the field '" + part.name + "' is given twice");
    fields.emplace(part.name, std::move(part));
  }
  const auto text = [&](const char* name) -> std::optional<std::string_view> {
    const auto it = fields.find(name);
    if (it == fields.end()) return std::nullopt;
    return it->second.data;
  };

  StylizeRequest r;
  // ---- which method: style id, style picture, or both for AdaIN ----------------------
  if (const auto id = text("style")) {
    r.style = styles.find(*id);
    if (!r.style) bad_field("style", "unknown style " + shown(*id) + "; GET /api/v1/styles lists them");
    if (r.style->kind == StyleKind::kAdain && !text("style_image"))
      bad_field("style_image", "the AdaIN style '" + r.style->id + "' takes its style from a style_image: upload one");
    if (r.style->kind != StyleKind::kAdain && text("style_image"))
      bad_field("style_image", "give either a style id or a style_image, not both (style '" + r.style->id +
                                   "' has its own)");
  } else if (!text("style_image")) {
    bad_field("style", "choose a style (GET /api/v1/styles lists them) or upload a style_image");
  }
  const bool optimise = r.method() == StyleKind::kOptimise;

  // ---- simple fields ---------------------------------------------------------------
  if (const auto a = text("alpha")) r.alpha = parse_unit("alpha", *a);
  if (const auto t = text("texture")) r.texture = parse_unit("texture", *t);
  if (const auto f = text("fuse")) {
    if (*f != "none" && *f != "pyramid" && *f != "weighted")
      bad_field("fuse", "fuse must be none, pyramid or weighted, got " + shown(*f));
    r.fuse = std::string(*f);
  }
  if (const auto f = text("format")) {
    if (*f == "png") r.format = io::ImageFormat::kPng;
    else if (*f == "jpeg" || *f == "jpg") r.format = io::ImageFormat::kJpeg;
    else bad_field("format", "format must be png or jpeg, got " + shown(*f));
  }
  const std::int64_t size = text("size") ? parse_size(*text("size"), optimise ? kMaxOptimiseSide : kMaxSide) : 0;

  // ---- pictures (the costly part, last) -------------------------------------------
  const auto image = text("image");
  if (!image) bad_field("image", "the photo is missing: send it as the file field 'image'");
  const Picture photo = decode_picture("image", *image, size, optimise ? kDefaultOptimiseSide : kDefaultSide, limits);
  r.photo = photo.pixels;
  r.source_width = photo.width;
  r.source_height = photo.height;
  if (const auto s = text("style_image"))
    r.style_image = decode_picture("style_image", *s, 0, StyleRegistry::kStyleImageSide, limits).pixels;
  else if (optimise)
    r.style_image = r.style->image;
  return r;
}

}  // namespace gf::serve
