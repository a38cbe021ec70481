#pragma once
// multipart/form-data (RFC 7578), the body a browser sends for a form with a
// file in it:
//
//   Content-Type: multipart/form-data; boundary=XyZ
//
//   --XyZ\r\n
//   Content-Disposition: form-data; name="image"; filename="cat.jpg"\r\n
//   Content-Type: image/jpeg\r\n
//   \r\n
//   <the file's bytes>\r\n
//   --XyZ\r\n
//   Content-Disposition: form-data; name="alpha"\r\n
//   \r\n
//   0.8\r\n
//   --XyZ--\r\n
//
// The parser takes the whole body (its size was already bounded by the
// server) and returns views into it, so a 10 MB upload is never copied. Every
// malformed case is an ApiError 400 naming what is wrong; the parts, their
// header blocks and the boundary are bounded.
#include <string>
#include <string_view>
#include <vector>

namespace gf::serve {

struct FormPart {
  std::string name;              // the form field
  std::string filename;          // empty for a plain field
  std::string content_type;      // as the client declared it (not trusted)
  std::string_view data;         // into the body
  bool is_file() const { return !filename.empty(); }
};

struct MultipartLimits {
  std::size_t max_parts = 16;
  std::size_t max_header_bytes = 4096;  // one part's header block
};

/// The boundary of a `multipart/form-data; boundary=...` Content-Type.
/// Throws ApiError 415 for another media type, 400 for a bad boundary.
std::string multipart_boundary(std::string_view content_type);

/// The parts of `body`, in order. Throws ApiError 400 when it is not
/// well-formed multipart with this boundary.
std::vector<FormPart> parse_multipart(std::string_view body, std::string_view boundary,
                                      const MultipartLimits& limits = {});

}  // namespace gf::serve
