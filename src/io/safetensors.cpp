// safetensors checkpoints: the writer, and a reader that trusts nothing in the file.
//
// The reader checks every field before it touches the data buffer, so a
// truncated or hostile file ends in a gf::Error, never an out-of-bounds read.
#include "gf/io/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "io/file.hpp"

// Tensor bytes are copied as they are: the host must share the file's byte order.
static_assert(std::endian::native == std::endian::little, "ganforge's safetensors code assumes a little-endian host");

namespace gf::io {
namespace {

// Ordered, so the header we write lists tensors in the order their bytes follow.
using Json = nlohmann::ordered_json;

constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;  // the limit Python's safetensors enforces too
constexpr const char* kMetadataKey = "__metadata__";

// ---- stored element types ------------------------------------------------------

// The element types a file may hold, and the ganforge dtype each loads as.
enum class Stored { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool };

struct StoredInfo {
  Stored type;
  const char* name;  // as written in the header
  std::uint64_t size;  // bytes per element
  DType loads_as;
};

constexpr StoredInfo kStoredTypes[] = {
    {Stored::kF64, "F64", 8, DType::kFloat64}, {Stored::kF32, "F32", 4, DType::kFloat32},
    {Stored::kF16, "F16", 2, DType::kFloat32}, {Stored::kBF16, "BF16", 2, DType::kFloat32},
    {Stored::kI64, "I64", 8, DType::kInt64},   {Stored::kI32, "I32", 4, DType::kInt64},
    {Stored::kI16, "I16", 2, DType::kInt64},   {Stored::kI8, "I8", 1, DType::kInt64},
    {Stored::kU8, "U8", 1, DType::kInt64},     {Stored::kBool, "BOOL", 1, DType::kInt64},
};

const StoredInfo* find_stored(const std::string& name) {
  for (const StoredInfo& s : kStoredTypes)
    if (name == s.name) return &s;
  return nullptr;
}

std::string stored_names() {
  std::string names;
  for (const StoredInfo& s : kStoredTypes) {
    if (!names.empty()) names += ", ";
    names += s.name;
  }
  return names;
}

// What each ganforge dtype is written as.
const char* stored_name(DType t) {
  switch (t) {
    case DType::kFloat32: return "F32";
    case DType::kFloat64: return "F64";
    case DType::kInt64: return "I64";
  }
  throw Error("save_safetensors: unknown dtype");
}

// IEEE half: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
float half_to_float(std::uint16_t h) {
  const bool negative = h & 0x8000u;
  const int exponent = (h >> 10) & 0x1f;
  const std::uint32_t mantissa = h & 0x3ffu;
  float magnitude;
  if (exponent == 0) magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // zero and subnormals
  else if (exponent == 31) magnitude = mantissa ? std::numeric_limits<float>::quiet_NaN()
                                                : std::numeric_limits<float>::infinity();
  else magnitude = std::ldexp(static_cast<float>(mantissa | 0x400u), exponent - 25);  // 1.m * 2^(e-15)
  return negative ? -magnitude : magnitude;
}

// bfloat16 is the upper half of a float32.
float bfloat16_to_float(std::uint16_t b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }

// Reads `n` elements of type S (possibly unaligned) at `src`, converting each with `convert`.
template <typename S, typename Out, typename Convert>
void widen(const char* src, Out* dst, std::int64_t n, Convert convert) {
  for (std::int64_t i = 0; i < n; ++i) {
    S v;
    std::memcpy(&v, src + i * static_cast<std::int64_t>(sizeof(S)), sizeof(S));
    dst[i] = convert(v);
  }
}

// Fills the contiguous tensor `out` from the stored bytes at `src`.
void load_elements(Stored type, const char* src, Tensor& out) {
  const std::int64_t n = out.numel();
  if (n == 0) return;
  const auto same = [](auto v) { return v; };
  switch (type) {
    case Stored::kF64:
    case Stored::kF32:
    case Stored::kI64:
      std::memcpy(out.raw_data(), src, static_cast<std::size_t>(n) * dtype_size(out.dtype()));
      return;
    case Stored::kF16: return widen<std::uint16_t>(src, out.data<float>(), n, half_to_float);
    case Stored::kBF16: return widen<std::uint16_t>(src, out.data<float>(), n, bfloat16_to_float);
    case Stored::kI32: return widen<std::int32_t>(src, out.data<std::int64_t>(), n, same);
    case Stored::kI16: return widen<std::int16_t>(src, out.data<std::int64_t>(), n, same);
    case Stored::kI8: return widen<std::int8_t>(src, out.data<std::int64_t>(), n, same);
    case Stored::kU8: return widen<std::uint8_t>(src, out.data<std::int64_t>(), n, same);
    case Stored::kBool: return widen<std::uint8_t>(src, out.data<std::int64_t>(), n, [](std::uint8_t v) { return v != 0; });
  }
}

// ---- reading ---------------------------------------------------------------------

// Who is reading what, for error messages: "load_safetensors: 'ckpt.safetensors': ...".
struct Source {
  const char* op;
  std::string what;

  template <typename... Args>
  [[noreturn]] void fail(const Args&... args) const {
    throw Error(detail::concat(op, ": '", what, "': ", args...));
  }
  template <typename... Args>
  void check(bool ok, const Args&... args) const {
    if (!ok) fail(args...);
  }
};

// One tensor's header entry, checked against itself (not yet against the buffer).
struct Entry {
  std::string name;
  const StoredInfo* type;
  Shape shape;
  std::uint64_t begin, end;  // byte range in the data buffer
};

std::uint64_t read_u64_le(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// Parses the header text, refusing duplicate top-level names (which a plain
// JSON parse would silently collapse into the last one).
Json parse_header(std::string_view text, const Source& src) {
  std::set<std::string> seen;
  std::string duplicate;
  const Json::parser_callback_t note_keys = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::key && depth == 1 && !seen.insert(parsed.get<std::string>()).second &&
        duplicate.empty())
      duplicate = parsed.get<std::string>();
    return true;
  };
  Json header;
  try {
    header = Json::parse(text.begin(), text.end(), note_keys);
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for numbers such as 1e400
    src.fail("header is not valid JSON (", e.what(), ")");
  }
  src.check(header.is_object(), "header must be a JSON object, got ", header.type_name());
  src.check(duplicate.empty(), "header names '", duplicate, "' more than once");
  return header;
}

// The header's "__metadata__": a string -> string map carrying ganforge's format tag.
void read_metadata(const Json& json, SafetensorsFile& out, const Source& src) {
  src.check(json.is_object(), "\"", kMetadataKey, "\" must be an object of strings, got ", json.type_name());
  for (const auto& [key, value] : json.items()) {
    src.check(value.is_string(), "metadata '", key, "' must be a string, got ", value.type_name());
    out.metadata[key] = value.get<std::string>();
  }
  const auto format = out.metadata.find("format");
  if (format == out.metadata.end() || format->second != kSafetensorsFormat) return;  // another writer's file

  const auto version = out.metadata.find("version");
  src.check(version != out.metadata.end(), "ganforge file without a \"version\" in its metadata");
  const std::string& v = version->second;
  const std::optional<int> parsed = parse_number<int>(v);
  src.check(parsed && *parsed >= 1, "format version '", v, "' is not a positive integer");
  const int number = *parsed;
  src.check(number <= kSafetensorsVersion, "written with ganforge format version ", number,
            ", but this build reads versions up to ", kSafetensorsVersion,
            ". Update ganforge, or re-save the checkpoint with format version ", kSafetensorsVersion,
            " from the newer ganforge");
  out.format_version = number;
  out.metadata.erase("format");
  out.metadata.erase("version");
}

std::uint64_t read_offset(const Json& value, const std::string& name, const Source& src) {
  src.check(value.is_number_unsigned(), "tensor '", name, "': data_offsets must be non-negative integers, got ",
            value.dump());
  return value.get<std::uint64_t>();
}

Entry read_entry(const std::string& name, const Json& info, const Source& src) {
  src.check(info.is_object(), "tensor '", name, "': expected an object with dtype, shape and data_offsets, got ",
            info.type_name());
  Entry e{name, nullptr, {}, 0, 0};

  const auto dtype = info.find("dtype");
  src.check(dtype != info.end(), "tensor '", name, "': missing \"dtype\"");
  src.check(dtype->is_string(), "tensor '", name, "': \"dtype\" must be a string, got ", dtype->dump());
  e.type = find_stored(dtype->get<std::string>());
  src.check(e.type != nullptr, "tensor '", name, "': unknown dtype '", dtype->get<std::string>(),
            "' (ganforge reads ", stored_names(), ")");

  const auto shape = info.find("shape");
  src.check(shape != info.end(), "tensor '", name, "': missing \"shape\"");
  src.check(shape->is_array(), "tensor '", name, "': \"shape\" must be an array, got ", shape->dump());
  std::int64_t numel = 1;
  for (const Json& d : *shape) {
    src.check(d.is_number_integer(), "tensor '", name, "': shape ", shape->dump(), " holds a non-integer");
    src.check(d.is_number_unsigned(), "tensor '", name, "': shape ", shape->dump(), " has a negative dim");
    src.check(d.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()),
              "tensor '", name, "': shape ", shape->dump(), " has a dim too large");
    const auto dim = d.get<std::int64_t>();
    src.check(!__builtin_mul_overflow(numel, dim, &numel), "tensor '", name, "': shape ", shape->dump(),
              " has more elements than fit in 64 bits");
    e.shape.push_back(dim);
  }

  const auto offsets = info.find("data_offsets");
  src.check(offsets != info.end(), "tensor '", name, "': missing \"data_offsets\"");
  src.check(offsets->is_array() && offsets->size() == 2, "tensor '", name,
            "': \"data_offsets\" must be [begin, end], got ", offsets->dump());
  e.begin = read_offset((*offsets)[0], name, src);
  e.end = read_offset((*offsets)[1], name, src);
  src.check(e.begin <= e.end, "tensor '", name, "': data_offsets [", e.begin, ", ", e.end, "] end before they begin");

  std::uint64_t nbytes = 0;
  src.check(!__builtin_mul_overflow(static_cast<std::uint64_t>(numel), e.type->size, &nbytes), "tensor '", name,
            "': shape ", shape->dump(), " is too large in bytes");
  src.check(e.end - e.begin == nbytes, "tensor '", name, "': data_offsets [", e.begin, ", ", e.end, "] span ",
            e.end - e.begin, " bytes, but shape ", shape->dump(), " of ", e.type->name, " needs ", nbytes);
  return e;
}

// The spec asks the tensors to tile the data buffer exactly: in offset order,
// each starts where the previous one ended and the last ends at the buffer's end.
void check_coverage(const std::vector<Entry>& entries, std::uint64_t data_size, const Source& src) {
  for (const Entry& e : entries)
    src.check(e.end <= data_size, "tensor '", e.name, "': data_offsets [", e.begin, ", ", e.end,
              "] run past the data buffer of ", data_size, " bytes (truncated file?)");

  std::vector<const Entry*> order;
  for (const Entry& e : entries) order.push_back(&e);
  std::sort(order.begin(), order.end(),
            [](const Entry* a, const Entry* b) { return a->begin != b->begin ? a->begin < b->begin : a->end < b->end; });
  std::uint64_t covered = 0;
  const Entry* previous = nullptr;
  for (const Entry* e : order) {
    src.check(e->begin <= covered, "hole in the data buffer: bytes [", covered, ", ", e->begin,
              ") belong to no tensor (before '", e->name, "')");
    src.check(e->begin == covered, "tensors '", previous ? previous->name : "", "' and '", e->name,
              "' overlap (", e->name, " starts at byte ", e->begin, ", before ", covered, ")");
    covered = e->end;
    previous = e;
  }
  src.check(covered == data_size, "data buffer has ", data_size, " bytes but the tensors cover only ", covered,
            " (trailing bytes)");
}

SafetensorsFile decode(std::string_view bytes, const Source& src) {
  src.check(bytes.size() >= 8, "file is ", bytes.size(), " bytes, too short to hold the 8-byte header length");
  const std::uint64_t header_size = read_u64_le(bytes.data());
  src.check(header_size <= kMaxHeaderBytes, "header length ", header_size, " is absurd (limit ", kMaxHeaderBytes,
            " bytes); not a safetensors file?");
  src.check(header_size <= bytes.size() - 8, "header length ", header_size, " runs past the end of the file (",
            bytes.size() - 8, " bytes follow the length field; truncated?)");
  const Json header = parse_header(bytes.substr(8, header_size), src);
  const std::string_view data = bytes.substr(8 + header_size);

  SafetensorsFile out;
  std::vector<Entry> entries;
  for (const auto& [name, info] : header.items()) {
    if (name == kMetadataKey) read_metadata(info, out, src);
    else entries.push_back(read_entry(name, info, src));
  }
  check_coverage(entries, data.size(), src);

  for (const Entry& e : entries) {
    Tensor t = Tensor::empty(e.shape, {e.type->loads_as});
    load_elements(e.type->type, data.data() + e.begin, t);
    out.tensors.emplace(e.name, std::move(t));
  }
  return out;
}

// ---- writing ---------------------------------------------------------------------

void append_u64_le(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

std::string encode_safetensors(const NamedTensors& tensors, const Metadata& metadata) {
  constexpr const char* op = "save_safetensors";
  for (const char* reserved : {"format", "version"})
    GF_CHECK(!metadata.count(reserved), op, ": metadata key '", reserved,
             "' is reserved for ganforge's format tag; rename or drop it");

  // Contiguous CPU copies, widest dtype first so that every tensor's offset is a
  // multiple of its element size (as Python's writer does); otherwise in the
  // caller's order.
  std::vector<std::pair<std::string, Tensor>> items;
  std::set<std::string> names;
  for (const auto& [name, t] : tensors) {
    GF_CHECK(name != kMetadataKey, op, ": '", kMetadataKey, "' cannot name a tensor");
    GF_CHECK(names.insert(name).second, op, ": two tensors are named '", name, "'");
    GF_CHECK(t.defined(), op, ": tensor '", name, "' is undefined");
    items.emplace_back(name, t.detach().to(Device::cpu()).contiguous());
  }
  std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return dtype_size(a.second.dtype()) > dtype_size(b.second.dtype());
  });

  Json meta = Json::object();
  meta["format"] = kSafetensorsFormat;
  meta["version"] = std::to_string(kSafetensorsVersion);
  for (const auto& [key, value] : metadata) meta[key] = value;
  Json header = Json::object();
  header[kMetadataKey] = meta;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : items) {
    const std::uint64_t nbytes = static_cast<std::uint64_t>(t.numel()) * dtype_size(t.dtype());
    header[name] = {{"dtype", stored_name(t.dtype())},
                    {"shape", static_cast<const std::vector<std::int64_t>&>(t.shape())},
                    {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }

  std::string text;
  try {
    text = header.dump();
  } catch (const Json::type_error& e) {
    throw Error(detail::concat(op, ": a tensor name or metadata string is not valid UTF-8 (", e.what(), ")"));
  }
  // Spaces after the JSON are allowed; they make the data start 8-byte aligned.
  text.append((8 - text.size() % 8) % 8, ' ');

  std::string out;
  out.reserve(8 + text.size() + offset);
  append_u64_le(out, text.size());
  out += text;
  for (const auto& [name, t] : items)
    out.append(static_cast<const char*>(t.raw_data()), static_cast<std::size_t>(t.numel()) * dtype_size(t.dtype()));
  return out;
}

SafetensorsFile decode_safetensors(std::string_view bytes, const std::string& what) {
  return decode(bytes, Source{"decode_safetensors", what});
}

void save_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata) {
  write_file_atomic(path, encode_safetensors(tensors, metadata), "save_safetensors");
}

SafetensorsFile load_safetensors(const std::string& path) {
  return decode(read_file(path, "load_safetensors"), Source{"load_safetensors", path});
}

double count_values(const SafetensorsFile& file, const std::string& prefix) {
  double count = 0;
  for (auto it = file.tensors.lower_bound(prefix); it != file.tensors.end() && it->first.starts_with(prefix); ++it)
    count += static_cast<double>(it->second.numel());
  return count;
}

}  // namespace gf::io
