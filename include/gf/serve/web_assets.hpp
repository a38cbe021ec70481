#pragma once
// The web page of the service (src/serve/web/: index.html, app.js,
// style.css), compiled into the library by cmake/EmbedWebAssets.cmake so the
// serve binary needs no files beside it.
#include <span>
#include <string_view>

namespace gf::serve {

struct WebAsset {
  std::string_view path;          // "/", "/app.js", "/style.css"
  std::string_view content_type;  // "text/html; charset=utf-8", ...
  std::string_view body;
};

/// Every embedded file.
std::span<const WebAsset> web_assets();

}  // namespace gf::serve
