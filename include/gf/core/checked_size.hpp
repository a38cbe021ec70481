#pragma once
// Sizes computed from numbers a file or a user supplied.
//
// A 16-byte IDX header may claim 4 x 2^31 x 2^31 images; multiplied in int64
// that wraps to 0, the file looks empty and valid, and the first write into
// the "0-byte" buffer lands somewhere else. Every count that comes from
// outside (file headers, tensor shapes, model fields) goes through these
// helpers before memory is sized from it: products and sums are checked for
// overflow and negative factors, so the bytes asked for can then be compared
// with what the file holds.
//
//   const std::int64_t n = gf::checked_product(dims, "read_idx: data.idx: header dims");
//   const std::size_t bytes = gf::checked_bytes(n, sizeof(float), "read_idx: data.idx");
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "gf/core/error.hpp"

namespace gf {

/// a * b for non-negative counts; throws Error naming `what` when either is
/// negative or the product does not fit in int64.
inline std::int64_t checked_mul(std::int64_t a, std::int64_t b, std::string_view what) {
  GF_CHECK(a >= 0 && b >= 0, what, ": negative size ", a < 0 ? a : b);
  std::int64_t product = 0;
  GF_CHECK(!__builtin_mul_overflow(a, b, &product), what, ": ", a, " x ", b, " overflows a 64-bit size");
  return product;
}

/// a + b for non-negative counts, checked the same way.
inline std::int64_t checked_add(std::int64_t a, std::int64_t b, std::string_view what) {
  GF_CHECK(a >= 0 && b >= 0, what, ": negative size ", a < 0 ? a : b);
  std::int64_t sum = 0;
  GF_CHECK(!__builtin_add_overflow(a, b, &sum), what, ": ", a, " + ", b, " overflows a 64-bit size");
  return sum;
}

/// The product of all factors (1 for none), each checked as by checked_mul;
/// any zero factor makes it 0, whatever the others are.
inline std::int64_t checked_product(std::span<const std::int64_t> factors, std::string_view what) {
  for (const std::int64_t factor : factors) GF_CHECK(factor >= 0, what, ": negative size ", factor);
  for (const std::int64_t factor : factors)
    if (factor == 0) return 0;
  std::int64_t product = 1;
  for (const std::int64_t factor : factors) product = checked_mul(product, factor, what);
  return product;
}
inline std::int64_t checked_product(std::initializer_list<std::int64_t> factors, std::string_view what) {
  return checked_product(std::span<const std::int64_t>(factors.begin(), factors.size()), what);
}

/// count elements of element_size bytes, as a byte count that also fits in size_t.
inline std::size_t checked_bytes(std::int64_t count, std::size_t element_size, std::string_view what) {
  const std::int64_t bytes = checked_mul(count, static_cast<std::int64_t>(element_size), what);
  GF_CHECK(static_cast<std::uint64_t>(bytes) <= SIZE_MAX, what, ": ", bytes, " bytes do not fit in size_t");
  return static_cast<std::size_t>(bytes);
}

}  // namespace gf
