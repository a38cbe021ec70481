#pragma once
// The IDX file format of MNIST and Fashion-MNIST, plain or gzip-compressed.
//
// An IDX file is a 4-byte magic number, one big-endian uint32 per dimension,
// then the values in row-major order:
//
//   magic 0x00000803  (0x08 = unsigned byte, 0x03 = three dims)   images: (N, rows, cols)
//   magic 0x00000801  (0x08 = unsigned byte, 0x01 = one dim)      labels: (N,)
//
// Files ending in anything (".gz" or not) are read through zlib, which passes
// uncompressed files through unchanged. Every problem (missing, truncated,
// bad magic, corrupt gzip data) is a gf::Error that names the file.
#include <cstdint>
#include <string>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf::data {

/// The raw contents of an unsigned-byte IDX file.
struct IdxArray {
  std::vector<std::int64_t> dims;   // e.g. (N, rows, cols)
  std::vector<std::uint8_t> bytes;  // prod(dims) values, row-major
};

/// Reads an unsigned-byte IDX file with `ndim` dims (3 for images, 1 for labels).
IdxArray read_idx(const std::string& path, int ndim);

/// Images as raw bytes: dims (N, rows, cols), values 0..255.
inline IdxArray read_idx_images_u8(const std::string& path) { return read_idx(path, 3); }

/// dst[i] = src[i] / 255: pixel bytes to floats in [0, 1].
void bytes_to_unit_float(const std::uint8_t* src, float* dst, std::int64_t n);

/// Images as (N, 1, rows, cols) float32 in [0, 1] (byte / 255).
Tensor read_idx_images(const std::string& path);

/// Labels as (N,) int64.
Tensor read_idx_labels(const std::string& path);

}  // namespace gf::data
