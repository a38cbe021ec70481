#include "gf/io/image_size.hpp"

#include "gf/core/error.hpp"

namespace gf::io {

std::string size_text(const Tensor& image) {
  const std::int64_t d = image.dim();
  return std::to_string(image.size(d - 1)) + "x" + std::to_string(image.size(d - 2));
}

std::string too_small(std::int64_t height, std::int64_t width, const std::string& name, std::int64_t min_side,
                      const std::string& why) {
  if (height >= min_side && width >= min_side) return {};
  return detail::concat(name, " is ", width, "x", height, ", smaller than the ", min_side, "x", min_side, " minimum (",
                        why, ")");
}

void check_min_size(std::int64_t height, std::int64_t width, const std::string& name, std::int64_t min_side,
                    const std::string& why) {
  const std::string complaint = too_small(height, width, name, min_side, why);
  GF_CHECK(complaint.empty(), complaint);
}

}  // namespace gf::io
