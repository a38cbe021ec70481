// IDX reader: header check, then the payload in chunks through zlib.
#include "gf/data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "gf/core/checked_size.hpp"
#include "gf/core/parallel.hpp"

namespace gf::data {
namespace {

// gzopen/gzread read gzip files and, transparently, plain ones.
struct GzClose {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

class GzReader {
 public:
  explicit GzReader(const std::string& path) : path_(path) {
    GF_CHECK(std::filesystem::exists(path), "read_idx: ", path, ": no such file");
    file_.reset(gzopen(path.c_str(), "rb"));
    GF_CHECK(file_ != nullptr, "read_idx: ", path, ": cannot open (", std::strerror(errno), ")");
    gzbuffer(file_.get(), 1 << 18);
  }

  /// Reads up to `n` bytes; fewer only at the end of the data. Corrupt
  /// compressed data throws; a gzip stream cut short just reads short.
  std::size_t read(void* dst, std::size_t n) {
    auto* out = static_cast<std::uint8_t*>(dst);
    std::size_t done = 0;
    while (done < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
      const int got = gzread(file_.get(), out + done, chunk);
      int errnum = Z_OK;
      std::string msg = gzerror(file_.get(), &errnum);
      // Z_BUF_ERROR is zlib's "unexpected end of file": a truncated stream,
      // reported by the caller, who knows how many bytes were promised.
      if (got < 0 || (errnum != Z_OK && errnum != Z_BUF_ERROR)) {
        if (msg.rfind(path_ + ": ", 0) == 0) msg.erase(0, path_.size() + 2);  // zlib prefixes the path
        throw Error(detail::concat("read_idx: ", path_, ": corrupt gzip data (", msg, ")"));
      }
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    return done;
  }

 private:
  std::string path_;
  std::unique_ptr<gzFile_s, GzClose> file_;
};

std::uint32_t big_endian_u32(const std::uint8_t* b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

std::string dims_str(const std::vector<std::int64_t>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? " x " : "") + std::to_string(dims[i]);
  return s;
}

}  // namespace

IdxArray read_idx(const std::string& path, int ndim) {
  GzReader in(path);

  // Magic: two zero bytes, the value type (0x08 = unsigned byte), the number of dims.
  std::uint8_t header[4];
  GF_CHECK(in.read(header, 4) == 4, "read_idx: ", path, ": truncated: shorter than the 4-byte IDX magic number");
  const std::uint32_t magic = big_endian_u32(header), expected = 0x0800u | static_cast<std::uint32_t>(ndim);
  if (magic != expected) {
    char got[11], want[11];
    std::snprintf(got, sizeof got, "0x%08X", magic);
    std::snprintf(want, sizeof want, "0x%08X", expected);
    throw Error(detail::concat("read_idx: ", path, ": bad magic number ", got, ", expected ", want,
                               " (unsigned-byte IDX with ", ndim, ndim == 3 ? " dims: images)" : " dim: labels)"));
  }

  IdxArray out;
  for (int d = 0; d < ndim; ++d) {
    std::uint8_t b[4];
    GF_CHECK(in.read(b, 4) == 4, "read_idx: ", path, ": truncated inside the header (", ndim, " dims expected)");
    out.dims.push_back(big_endian_u32(b));
  }
  // 4 x 2^31 x 2^31 wraps to 0 in int64; checked, it is an error here.
  const std::int64_t total = checked_product(out.dims, detail::concat("read_idx: ", path, ": header dims ",
                                                                      dims_str(out.dims)));

  // Read in chunks instead of trusting the header with one huge allocation:
  // a damaged header then ends as "truncated", not as an out-of-memory.
  constexpr std::size_t kChunk = std::size_t{1} << 22;
  const auto want = static_cast<std::size_t>(total);
  while (out.bytes.size() < want) {
    const std::size_t have = out.bytes.size(), n = std::min(kChunk, want - have);
    out.bytes.resize(have + n);
    const std::size_t got = in.read(out.bytes.data() + have, n);
    GF_CHECK(got == n, "read_idx: ", path, ": truncated: the header promises ", dims_str(out.dims), " = ", total,
             " bytes of data, the file holds ", have + got);
  }
  // One more read drives zlib through the gzip trailer, where it checks the CRC.
  std::uint8_t extra;
  GF_CHECK(in.read(&extra, 1) == 0, "read_idx: ", path, ": the file is longer than its header (", dims_str(out.dims),
           ") says; is it an IDX file?");
  return out;
}

void bytes_to_unit_float(const std::uint8_t* src, float* dst, std::int64_t n) {
  parallel_for(0, n, 1 << 16, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) dst[i] = static_cast<float>(src[i]) / 255.0f;
  });
}

Tensor read_idx_images(const std::string& path) {
  const IdxArray a = read_idx(path, 3);
  Tensor images = Tensor::empty({a.dims[0], 1, a.dims[1], a.dims[2]});  // (N, 1, H, W)
  bytes_to_unit_float(a.bytes.data(), images.data<float>(), images.numel());
  return images;
}

Tensor read_idx_labels(const std::string& path) {
  const IdxArray a = read_idx(path, 1);
  Tensor labels = Tensor::empty({a.dims[0]}, {DType::kInt64});  // (N,)
  std::copy(a.bytes.begin(), a.bytes.end(), labels.data<std::int64_t>());
  return labels;
}

}  // namespace gf::data
