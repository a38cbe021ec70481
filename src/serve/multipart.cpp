#include "gf/serve/multipart.hpp"

#include <algorithm>
#include <cctype>
#include <functional>

#include "gf/serve/api_error.hpp"

namespace gf::serve {
namespace {

constexpr std::string_view kCrlf = "\r\n";

[[noreturn]] void malformed(const std::string& why) {
  throw ApiError(400, "", "malformed multipart/form-data body: " + why, "malformed_form");
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The parameters of a header value "type; a=b; c=\"d e\"": name (lowercased) -> value.
// Quoted values may escape a character with a backslash (RFC 9110 quoted-string).
std::vector<std::pair<std::string, std::string>> header_parameters(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;  // past ';'
    const std::size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) break;
    const std::string name = lower(trim(value.substr(i, eq - i)));
    std::size_t j = eq + 1;
    while (j < value.size() && (value[j] == ' ' || value[j] == '\t')) ++j;
    std::string v;
    if (j < value.size() && value[j] == '"') {
      for (++j; j < value.size() && value[j] != '"'; ++j) {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        v.push_back(value[j]);
      }
      if (j >= value.size()) malformed("an unterminated quoted parameter in '" + std::string(value) + "'");
      i = value.find(';', j);
    } else {
      const std::size_t end = value.find(';', j);
      v = std::string(trim(value.substr(j, end == std::string_view::npos ? std::string_view::npos : end - j)));
      i = end;
    }
    params.emplace_back(name, std::move(v));
  }
  return params;
}

const std::string* find_parameter(const std::vector<std::pair<std::string, std::string>>& params,
                                  std::string_view name) {
  for (const auto& [n, v] : params)
    if (n == name) return &v;
  return nullptr;
}

// A part's header block (without the blank line) -> its name, filename and type.
FormPart parse_part_headers(std::string_view block) {
  FormPart part;
  bool has_disposition = false;
  while (!block.empty()) {
    const std::size_t eol = block.find(kCrlf);
    const std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view{} : block.substr(eol + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) malformed("a part header line without ':'");
    const std::string name = lower(trim(line.substr(0, colon)));
    const std::string_view value = trim(line.substr(colon + 1));
    if (name == "content-disposition") {
      if (lower(trim(value.substr(0, value.find(';')))) != "form-data")
        malformed("a part whose Content-Disposition is not form-data");
      const auto params = header_parameters(value);
      const std::string* field = find_parameter(params, "name");
      if (!field || field->empty()) malformed("a part without a field name");
      part.name = *field;
      if (const std::string* file = find_parameter(params, "filename")) part.filename = file->empty() ? "upload" : *file;
      has_disposition = true;
    } else if (name == "content-type") {
      part.content_type = std::string(value);
    }
  }
  if (!has_disposition) malformed("a part without a Content-Disposition header");
  return part;
}

}  // namespace

std::string multipart_boundary(std::string_view content_type) {
  const std::string type = lower(trim(content_type.substr(0, content_type.find(';'))));
  if (type != "multipart/form-data")
    throw ApiError(415, "", "the request body must be multipart/form-data (an HTML form with a file), got '" +
                                std::string(content_type.substr(0, 100)) + "'",
                   "not_multipart");
  const auto params = header_parameters(content_type);
  const std::string* boundary = find_parameter(params, "boundary");
  // RFC 2046: 1 to 70 characters; these are the ones it allows.
  static constexpr std::string_view kAllowed =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ";
  if (!boundary || boundary->empty() || boundary->size() > 70 || boundary->back() == ' ' ||
      boundary->find_first_not_of(kAllowed) != std::string::npos)
    throw ApiError(400, "", "the multipart/form-data Content-Type has no valid boundary parameter", "malformed_form");
  return *boundary;
}

std::vector<FormPart> parse_multipart(std::string_view body, std::string_view boundary,
                                      const MultipartLimits& limits) {
  const std::string delimiter = "--" + std::string(boundary);
  const std::string next_delimiter = "\r\n" + delimiter;
  // Boyer-Moore: linear in the body whatever bytes an attacker chooses.
  const std::boyer_moore_searcher find_next(next_delimiter.begin(), next_delimiter.end());

  // The first delimiter opens the body or follows a preamble line.
  std::size_t pos;
  if (body.substr(0, delimiter.size()) == delimiter) {
    pos = delimiter.size();
  } else {
    const auto hit = std::search(body.begin(), body.end(), find_next);
    if (hit == body.end()) malformed("no boundary line '" + delimiter + "'");
    pos = static_cast<std::size_t>(hit - body.begin()) + next_delimiter.size();
  }

  std::vector<FormPart> parts;
  for (;;) {
    // After a delimiter: "--" closes the body, CRLF opens a part (RFC 2046
    // allows spaces before it, transport padding).
    if (body.substr(pos, 2) == "--") return parts;
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != kCrlf) malformed("a boundary line not followed by a line break");
    pos += 2;
    if (parts.size() == limits.max_parts) malformed("more than " + std::to_string(limits.max_parts) + " parts");

    if (body.substr(pos, 2) == kCrlf) malformed("a part without headers");
    const std::size_t header_bytes = body.substr(pos, limits.max_header_bytes + 4).find("\r\n\r\n");
    if (header_bytes == std::string_view::npos)
      malformed("a part's headers do not end within " + std::to_string(limits.max_header_bytes) + " bytes");
    FormPart part = parse_part_headers(body.substr(pos, header_bytes));
    pos += header_bytes + 4;

    const auto hit = std::search(body.begin() + static_cast<std::ptrdiff_t>(pos), body.end(), find_next);
    if (hit == body.end()) malformed("the body ends inside part '" + part.name + "' (truncated upload?)");
    const auto end = static_cast<std::size_t>(hit - body.begin());
    part.data = body.substr(pos, end - pos);
    parts.push_back(std::move(part));
    pos = end + next_delimiter.size();
  }
}

}  // namespace gf::serve
