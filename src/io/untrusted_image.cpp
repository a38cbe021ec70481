// PNG through libpng and JPEG through libjpeg-turbo, for bytes nobody vouches for.
//
// Both libraries report errors by calling a function that must not return;
// the C way out is longjmp back to a setjmp in the caller. C++ allows that
// only where no destructor would be skipped, so each decoder keeps every
// object with a destructor outside the function that calls setjmp (in a
// struct owned by its caller) and the callbacks never throw through C frames.
#include "gf/io/untrusted_image.hpp"

#include <jpeglib.h>
#include <jerror.h>  // after jpeglib.h, which it needs
#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "gf/core/factory.hpp"
#include "gf/core/memory_budget.hpp"

namespace gf::io {
namespace {

using Reason = UntrustedImageError::Reason;

[[noreturn]] void reject(Reason reason, const std::string& what, const std::string& why) {
  throw UntrustedImageError(reason, detail::concat(what, ": ", why));
}

void check_pixel_count(std::int64_t width, std::int64_t height, const UntrustedImageLimits& limits,
                       const char* format, const std::string& what) {
  if (width <= 0 || height <= 0)
    reject(Reason::kCorrupt, what, detail::concat("the ", format, " header gives a size of ", width, "x", height));
  if (width > limits.max_pixels / height)
    reject(Reason::kTooManyPixels, what,
           detail::concat("the ", format, " header claims ", width, "x", height, " = ",
                          static_cast<double>(width) * static_cast<double>(height),  // may not fit in 64 bits
                          " pixels, more than the limit of ", limits.max_pixels));
}

// The whole factor an image may shrink by while its longest side stays >= min_side
// (and its shortest side at least one pixel).
std::int64_t shrink_factor(std::int64_t width, std::int64_t height, std::int64_t min_side) {
  if (min_side <= 0) return 1;
  return std::clamp<std::int64_t>(std::max(width, height) / min_side, 1, std::min(width, height));
}

// The float planes a decoder fills, refused before they are allocated when
// the machine cannot give them (as "too many pixels": the service answers 413).
void check_memory(std::int64_t width, std::int64_t height, int channels, const UntrustedImageLimits& limits,
                  const std::string& what) {
  const std::int64_t factor = shrink_factor(width, height, limits.min_side);
  const double bytes = static_cast<double>(width / factor) * static_cast<double>(height / factor) * channels * 4.0;
  try {
    check_memory_budget(bytes, detail::concat("decoding ", width, "x", height, " pixels"), "use a smaller image");
  } catch (const Error& e) {
    reject(Reason::kTooManyPixels, what, e.what());
  }
}

// How a decoder hands over its rows: `stored` samples per pixel (1 grey,
// 2 grey + alpha, 3 RGB, 4 RGBA) of 1 byte, or of 2 bytes big-endian (16-bit
// PNG, kept at full precision).
struct RowLayout {
  int stored = 3;
  int bytes_per_sample = 1;
};

// Turns decoded rows (top to bottom) into float planes (C, H / f, W / f) in
// [0, 1], each output pixel the mean of an f x f block (the last W % f columns
// and H % f rows are dropped). C is what the caller asked for: 4 keeps alpha;
// 3 and 1 composite it over white, 1 then takes Rec. 601 luma
// (0.299 R + 0.587 G + 0.114 B). Only one row of accumulators is held, so a
// huge image streams through.
class RowReducer {
 public:
  RowReducer(std::int64_t width, std::int64_t height, RowLayout layout, int channels, std::int64_t factor)
      : layout_(layout), channels_(channels), factor_(factor), out_w_(width / factor), out_h_(height / factor),
        planes_(empty({channels, out_h_, out_w_})), sums_(static_cast<std::size_t>(channels * out_w_)) {}

  void add_row(const std::uint8_t* row) {
    if (out_row_ >= out_h_) return;  // the dropped bottom rows
    const std::int64_t pixel_bytes = layout_.stored * layout_.bytes_per_sample;
    for (std::int64_t x = 0; x < out_w_ * factor_; ++x) {
      float out[4];
      convert(row + x * pixel_bytes, out);
      float* sum = &sums_[static_cast<std::size_t>(channels_ * (x / factor_))];
      for (int c = 0; c < channels_; ++c) sum[c] += out[c];
    }
    if (++rows_in_block_ < factor_) return;
    const float scale = 1.0f / static_cast<float>(factor_ * factor_);
    float* planes = planes_.data<float>();
    const std::int64_t plane = out_h_ * out_w_;
    for (std::int64_t x = 0; x < out_w_; ++x)
      for (int c = 0; c < channels_; ++c)
        planes[c * plane + out_row_ * out_w_ + x] = sums_[static_cast<std::size_t>(channels_ * x + c)] * scale;
    std::fill(sums_.begin(), sums_.end(), 0.0f);
    rows_in_block_ = 0;
    ++out_row_;
  }

  Tensor planes() const { return planes_; }

 private:
  float sample(const std::uint8_t* at) const {
    return layout_.bytes_per_sample == 1 ? at[0] / 255.0f : static_cast<float>((at[0] << 8) | at[1]) / 65535.0f;
  }

  // One stored pixel -> `channels_` output values.
  void convert(const std::uint8_t* pixel, float* out) const {
    const int step = layout_.bytes_per_sample;
    const bool grey = layout_.stored <= 2, alpha = layout_.stored % 2 == 0;
    const float r = sample(pixel), g = grey ? r : sample(pixel + step), b = grey ? r : sample(pixel + 2 * step);
    const float a = alpha ? sample(pixel + (layout_.stored - 1) * step) : 1.0f;
    if (channels_ == 4) {
      out[0] = r, out[1] = g, out[2] = b, out[3] = a;
      return;
    }
    const auto over_white = [a](float v) { return a * v + (1.0f - a); };
    if (channels_ == 3) {
      out[0] = over_white(r), out[1] = over_white(g), out[2] = over_white(b);
      return;
    }
    out[0] = over_white(grey ? r : 0.299f * r + 0.587f * g + 0.114f * b);
  }

  RowLayout layout_;
  int channels_;
  std::int64_t factor_, out_w_, out_h_;
  Tensor planes_;  // (channels, H / f, W / f)
  std::vector<float> sums_;
  std::int64_t rows_in_block_ = 0, out_row_ = 0;
};

// The channels to produce: the request, or for 0 what the file stores (grey
// + alpha comes out as RGBA, so every image has 1, 3 or 4 channels).
int output_channels(int requested, int stored) {
  if (requested != 0) return requested;
  return stored == 1 ? 1 : stored == 3 ? 3 : 4;
}

// ---- the size a header claims ------------------------------------------------------------
// Read by hand, before a decoder starts: a file that is only a header (no
// pixel data at all) still gets "too many pixels", not "truncated". The
// decoders check the size again from their own parse.

std::uint32_t big_endian(std::string_view b, std::size_t at, int bytes) {
  std::uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<std::uint8_t>(b[at + static_cast<std::size_t>(i)]);
  return v;
}

// PNG: the IHDR chunk comes first, right after the 8-byte signature:
// length (13), "IHDR", width, height (4 bytes each, big-endian).
std::optional<std::pair<std::int64_t, std::int64_t>> png_claimed_size(std::string_view b) {
  if (b.size() < 24 || b.substr(12, 4) != "IHDR") return std::nullopt;
  return std::pair<std::int64_t, std::int64_t>{big_endian(b, 16, 4), big_endian(b, 20, 4)};
}

// JPEG: segments FF xx [length] up to the frame header (SOF0..SOF15 but DHT
// C4, JPG C8, DAC CC), whose payload is precision, height, width.
std::optional<std::pair<std::int64_t, std::int64_t>> jpeg_claimed_size(std::string_view b) {
  std::size_t at = 2;  // past SOI
  while (at + 4 <= b.size()) {
    if (static_cast<std::uint8_t>(b[at]) != 0xFF) return std::nullopt;
    const auto marker = static_cast<std::uint8_t>(b[at + 1]);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
      at += 2;
      continue;
    }
    if (marker == 0xD9 || marker == 0xDA) return std::nullopt;  // end, or scan data before any frame
    const std::uint32_t length = big_endian(b, at + 2, 2);
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (length < 7 || at + 9 > b.size()) return std::nullopt;
      return std::pair<std::int64_t, std::int64_t>{big_endian(b, at + 7, 2), big_endian(b, at + 5, 2)};
    }
    if (length < 2) return std::nullopt;
    at += 2 + length;
  }
  return std::nullopt;
}

// ---- PNG ------------------------------------------------------------------------------

// Ancillary chunks (text, ICC profiles) are decompressed into memory by
// libpng; none needs more than this, and a zip bomb in one stops here.
constexpr png_alloc_size_t kPngChunkMax = 8u << 20;

struct PngState {
  std::string_view bytes;
  std::size_t offset = 8;  // the signature was checked before libpng starts
  char message[256] = "corrupt PNG data";
  png_structp png = nullptr;
  png_infop info = nullptr;
  std::vector<std::uint8_t> pixels;  // whole image, only for interlaced files
  std::vector<png_bytep> rows;       // into pixels
  std::vector<std::uint8_t> row;
  std::unique_ptr<RowReducer> reducer;

  ~PngState() { png_destroy_read_struct(&png, &info, nullptr); }
};

void png_error_callback(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(state->message, sizeof state->message, "%s", message);
  png_longjmp(png, 1);
}

void png_warning_callback(png_structp, png_const_charp) {}  // benign (e.g. a bad ancillary chunk, skipped)

void png_read_callback(png_structp png, png_bytep out, png_size_t length) {
  auto* state = static_cast<PngState*>(png_get_io_ptr(png));
  if (length > state->bytes.size() - state->offset) png_error(png, "the file ends early (truncated PNG)");
  std::memcpy(out, state->bytes.data() + state->offset, length);
  state->offset += length;
}

// Every libpng call for one image. Returns false when libpng reported an
// error (state.message says which). Throws for the pixel limit.
bool run_png(PngState& s, const UntrustedImageLimits& limits, int channels, const std::string& what) {
  if (setjmp(png_jmpbuf(s.png))) return false;
  png_set_read_fn(s.png, &s, png_read_callback);
  png_set_sig_bytes(s.png, 8);
  png_set_chunk_malloc_max(s.png, kPngChunkMax);
  png_set_chunk_cache_max(s.png, 128);
  png_read_info(s.png, s.info);

  const std::int64_t width = png_get_image_width(s.png, s.info), height = png_get_image_height(s.png, s.info);
  check_pixel_count(width, height, limits, "PNG", what);
  // Whatever is stored, read grey, grey + alpha, RGB or RGBA of 8 or 16 bits.
  png_set_expand(s.png);  // palette -> RGB, grey < 8 bits -> 8, tRNS -> alpha
  const int passes = png_set_interlace_handling(s.png);
  png_read_update_info(s.png, s.info);
  const RowLayout layout{png_get_channels(s.png, s.info), png_get_bit_depth(s.png, s.info) / 8};
  const png_size_t row_bytes = png_get_rowbytes(s.png, s.info);
  if (layout.stored < 1 || layout.stored > 4 || layout.bytes_per_sample < 1 || layout.bytes_per_sample > 2 ||
      row_bytes != static_cast<png_size_t>(width) * layout.stored * layout.bytes_per_sample)
    png_error(s.png, "unexpected pixel layout after expansion to 8 or 16 bits");
  check_memory(width, height, output_channels(channels, layout.stored), limits, what);

  s.reducer = std::make_unique<RowReducer>(width, height, layout, output_channels(channels, layout.stored),
                                           shrink_factor(width, height, limits.min_side));
  if (passes == 1) {  // rows arrive in order: one row in memory
    s.row.resize(row_bytes);
    for (std::int64_t y = 0; y < height; ++y) {
      png_read_row(s.png, s.row.data(), nullptr);
      s.reducer->add_row(s.row.data());
    }
  } else {  // Adam7 fills every row seven times: the whole image in memory
    s.pixels.resize(row_bytes * static_cast<std::size_t>(height));
    s.rows.resize(static_cast<std::size_t>(height));
    for (std::int64_t y = 0; y < height; ++y) s.rows[static_cast<std::size_t>(y)] = s.pixels.data() + y * row_bytes;
    png_read_image(s.png, s.rows.data());
    for (const png_bytep row : s.rows) s.reducer->add_row(row);
  }
  png_read_end(s.png, nullptr);  // the rest of the file must be well-formed too
  return true;
}

DecodedImage decode_png(std::string_view bytes, const UntrustedImageLimits& limits, int channels,
                        const std::string& what) {
  PngState s;
  s.bytes = bytes;
  s.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &s, png_error_callback, png_warning_callback);
  if (s.png) s.info = png_create_info_struct(s.png);
  GF_CHECK(s.png && s.info, "decode_untrusted_image: libpng could not start (out of memory)");
  if (!run_png(s, limits, channels, what)) reject(Reason::kCorrupt, what, detail::concat("not a valid PNG (", s.message, ")"));
  return {s.reducer->planes(), ImageFormat::kPng, png_get_image_width(s.png, s.info),
          png_get_image_height(s.png, s.info)};
}

// ---- JPEG -----------------------------------------------------------------------------

// A progressive JPEG may hold any number of scans, each a full pass over the
// coefficients: thousands of tiny scans make a few kilobytes cost minutes.
// Real encoders write about ten.
constexpr int kJpegMaxScans = 256;

struct JpegState {
  jpeg_decompress_struct cinfo{};
  jpeg_error_mgr errors{};
  jpeg_progress_mgr progress{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX] = "corrupt JPEG data";
  bool created = false;
  std::vector<std::uint8_t> row;
  std::unique_ptr<RowReducer> reducer;

  ~JpegState() {
    if (created) jpeg_destroy_decompress(&cinfo);
  }
};

JpegState& jpeg_state(j_common_ptr cinfo) { return *static_cast<JpegState*>(cinfo->client_data); }

[[noreturn]] void jpeg_fail(j_common_ptr cinfo) {
  std::longjmp(jpeg_state(cinfo).jump, 1);
}

void jpeg_error_exit(j_common_ptr cinfo) {
  cinfo->err->format_message(cinfo, jpeg_state(cinfo).message);
  jpeg_fail(cinfo);
}

// Warnings (level -1) are how libjpeg reports a truncated or damaged file: it
// would otherwise pad the picture with grey and carry on. Only stray bytes
// between markers, common and harmless, are let through.
void jpeg_emit_message(j_common_ptr cinfo, int level) {
  if (level >= 0 || cinfo->err->msg_code == JWRN_EXTRANEOUS_DATA) return;
  jpeg_error_exit(cinfo);
}

void jpeg_count_scans(j_common_ptr cinfo) {
  const auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number <= kJpegMaxScans) return;
  std::snprintf(jpeg_state(cinfo).message, JMSG_LENGTH_MAX, "more than %d progressive scans", kJpegMaxScans);
  jpeg_fail(cinfo);
}

bool run_jpeg(JpegState& s, std::string_view bytes, const UntrustedImageLimits& limits, int channels,
              const std::string& what) {
  if (setjmp(s.jump)) return false;
  jpeg_create_decompress(&s.cinfo);
  s.created = true;
  s.progress.progress_monitor = jpeg_count_scans;
  s.cinfo.progress = &s.progress;
  jpeg_mem_src(&s.cinfo, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&s.cinfo, TRUE);

  const std::int64_t width = s.cinfo.image_width, height = s.cinfo.image_height;
  check_pixel_count(width, height, limits, "JPEG", what);
  if (s.cinfo.jpeg_color_space != JCS_GRAYSCALE && s.cinfo.jpeg_color_space != JCS_YCbCr &&
      s.cinfo.jpeg_color_space != JCS_RGB)
    reject(Reason::kCorrupt, what, "a CMYK or YCCK JPEG (print colours); save it as an RGB JPEG or a PNG");
  const bool grey = s.cinfo.jpeg_color_space == JCS_GRAYSCALE;
  s.cinfo.out_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
  const RowLayout layout{grey ? 1 : 3, 1};
  check_memory(width, height, output_channels(channels, layout.stored), limits, what);
  // Enough for the whole-image coefficient buffer of a progressive file (3
  // components x 2 bytes) and the decoder's rows; beyond that, refuse.
  s.cinfo.mem->max_memory_to_use = static_cast<long>(8 * width * height + (64 << 20));
  // DCT scaling: decode at 1/2, 1/4 or 1/8 size directly when that still
  // leaves the longest side >= min_side (faster and smaller than decoding all).
  const std::int64_t factor = shrink_factor(width, height, limits.min_side);
  s.cinfo.scale_num = 1;
  s.cinfo.scale_denom = factor >= 8 ? 8 : factor >= 4 ? 4 : factor >= 2 ? 2 : 1;
  jpeg_start_decompress(&s.cinfo);

  const std::int64_t out_w = s.cinfo.output_width, out_h = s.cinfo.output_height;
  if (s.cinfo.output_components != layout.stored) reject(Reason::kCorrupt, what, "unexpected JPEG colour layout");
  s.reducer = std::make_unique<RowReducer>(out_w, out_h, layout, output_channels(channels, layout.stored),
                                           shrink_factor(out_w, out_h, limits.min_side));
  s.row.resize(static_cast<std::size_t>(out_w * layout.stored));
  JSAMPROW row = s.row.data();
  while (s.cinfo.output_scanline < s.cinfo.output_height) {
    if (jpeg_read_scanlines(&s.cinfo, &row, 1) != 1) reject(Reason::kCorrupt, what, "the JPEG data ends early");
    s.reducer->add_row(s.row.data());
  }
  jpeg_finish_decompress(&s.cinfo);
  return true;
}

DecodedImage decode_jpeg(std::string_view bytes, const UntrustedImageLimits& limits, int channels,
                         const std::string& what) {
  JpegState s;
  s.cinfo.err = jpeg_std_error(&s.errors);
  s.errors.error_exit = jpeg_error_exit;
  s.errors.emit_message = jpeg_emit_message;
  s.errors.output_message = [](j_common_ptr) {};  // nothing goes to stderr
  s.cinfo.client_data = &s;
  if (!run_jpeg(s, bytes, limits, channels, what))
    reject(Reason::kCorrupt, what, detail::concat("not a valid JPEG (", s.message, ")"));
  return {s.reducer->planes(), ImageFormat::kJpeg, s.cinfo.image_width, s.cinfo.image_height};
}

// Formats stb_image would have read: named in the refusal, so a user with a
// BMP knows to convert it rather than suspect a damaged file. Their decoders
// are not used: stb 2.27's have out-of-bounds bugs on crafted files (16-bit
// PNM, oversized JPEG Huffman tables, PSD casts), and they size buffers from
// headers nobody checked.
const char* other_image_format(std::string_view b) {
  const auto starts = [b](std::string_view magic) { return b.substr(0, magic.size()) == magic; };
  if (starts("BM")) return "BMP";
  if (starts("GIF87a") || starts("GIF89a")) return "GIF";
  if (b.size() >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7') return "PNM";
  if (starts("8BPS")) return "PSD";
  if (starts("#?RADIANCE") || starts("#?RGBE")) return "HDR";
  if (starts(std::string_view("II*\0", 4)) || starts(std::string_view("MM\0*", 4))) return "TIFF";
  if (b.size() >= 12 && starts("RIFF") && b.substr(8, 4) == "WEBP") return "WebP";  // substr(8) throws below 8
  if (starts(std::string_view("\x53\x80\xF6\x34", 4))) return "PIC";
  return nullptr;
}

}  // namespace

const char* to_string(ImageFormat format) {
  switch (format) {
    case ImageFormat::kPng: return "png";
    case ImageFormat::kJpeg: return "jpeg";
    default: return "unknown";
  }
}

const char* to_string(UntrustedImageError::Reason reason) {
  switch (reason) {
    case Reason::kUnsupportedFormat: return "unsupported_format";
    case Reason::kTooManyPixels: return "too_many_pixels";
    default: return "corrupt";
  }
}

ImageFormat sniff_image_format(std::string_view bytes) {
  static constexpr std::string_view kPngSignature{"\x89PNG\r\n\x1a\n", 8};
  if (bytes.substr(0, 8) == kPngSignature) return ImageFormat::kPng;
  if (bytes.size() >= 3 && bytes.substr(0, 3) == std::string_view("\xFF\xD8\xFF", 3)) return ImageFormat::kJpeg;
  return ImageFormat::kUnknown;
}

DecodedImage decode_untrusted_image(std::string_view bytes, const UntrustedImageLimits& limits,
                                    const std::string& what, int channels) {
  GF_CHECK(limits.max_pixels > 0 && limits.min_side >= 0, "decode_untrusted_image: max_pixels must be positive and ",
           "min_side non-negative, got ", limits.max_pixels, " and ", limits.min_side);
  GF_CHECK(channels == 0 || channels == 1 || channels == 3 || channels == 4,
           "decode_untrusted_image: channels must be 0 (as stored), 1, 3 or 4, got ", channels);
  const ImageFormat format = sniff_image_format(bytes);
  const auto claimed = format == ImageFormat::kPng    ? png_claimed_size(bytes)
                       : format == ImageFormat::kJpeg ? jpeg_claimed_size(bytes)
                                                      : std::nullopt;
  if (claimed)
    check_pixel_count(claimed->first, claimed->second, limits, format == ImageFormat::kPng ? "PNG" : "JPEG", what);
  switch (format) {
    case ImageFormat::kPng: return decode_png(bytes, limits, channels, what);
    case ImageFormat::kJpeg: return decode_jpeg(bytes, limits, channels, what);
    default: {
      if (bytes.empty()) reject(Reason::kUnsupportedFormat, what, "empty (0 bytes), not an image");
      const char* other = other_image_format(bytes);
      reject(Reason::kUnsupportedFormat, what,
             other ? detail::concat("a ", other, " image; only PNG and JPEG are read: convert it to PNG first")
                   : std::string("not a PNG or JPEG image (judged by its first bytes, not its name)"));
    }
  }
}

}  // namespace gf::io
