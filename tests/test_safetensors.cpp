// safetensors checkpoints: round trips, the header we write, every kind of
// corrupt file, a fuzz loop, and interop with an independent Python reader/writer.
#include <cstdio>
#include <cstdlib>
#include <random>

#include "gf/io/safetensors.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

using namespace gf;
using gf::io::decode_safetensors;
using gf::test::error_of;

namespace {

// A file from a header text and a data buffer: u64 length | header | data.
std::string make_file(const std::string& header, const std::string& data = "") {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  return out + header + data;
}

// The header text of a file ganforge wrote.
std::string header_of(const std::string& file) {
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(file[static_cast<std::size_t>(i)]);
  return file.substr(8, n);
}

// Same dtype, shape and (bit-exact) values.
void check_same(const Tensor& got, const Tensor& want) {
  CHECK(got.dtype() == want.dtype());
  CHECK(got.shape() == want.shape());
  CHECK(got.is_contiguous());
  CHECK(got.device() == Device::cpu());
  if (want.dtype() == DType::kInt64) CHECK(got.to_vector<std::int64_t>() == want.to_vector<std::int64_t>());
  else CHECK(got.to_vector<double>() == want.to_vector<double>());
}

// A small valid checkpoint for the corruption loops.
std::string valid_file() {
  Rng g(3);
  return io::encode_safetensors({{"w", randn({3, 2}, {}, &g)},
                                 {"b", randn({2}, {DType::kFloat64}, &g)},
                                 {"n", randint(0, 9, {2}, {DType::kInt64}, &g)}},
                                {{"epoch", "4"}});
}

}  // namespace

TEST_SUITE("safetensors") {
  TEST_CASE("every dtype, 0-D, empty and non-contiguous tensors round trip exactly") {
    test::TempDir dir("safetensors");
    Rng g(11);
    Tensor base = randn({4, 6}, {}, &g);
    const io::NamedTensors tensors = {
        {"f32", randn({3, 5}, {}, &g)},
        {"f64", randn({2, 3, 4}, {DType::kFloat64}, &g)},
        {"i64", randint(-1000, 1000, {7}, {DType::kInt64}, &g)},
        {"scalar", scalar_tensor(2.5)},
        {"scalar_i64", scalar_tensor(-7, {DType::kInt64})},
        {"empty", zeros({0, 4})},
        {"empty_i64", zeros({2, 0}, {DType::kInt64})},
        {"transposed", base.t()},
        {"strided", base.slice(1, 1, 6, 2)},
        {"expanded", arange(0, 3).view({1, 3}).expand({4, 3})},
        {"grad_leaf", randn({2, 2}, {DType::kFloat64}, &g).requires_grad_()},
        {"unicode name \u00e9", ones({1})},
    };
    const std::string path = dir.file("all.safetensors");
    io::save_safetensors(path, tensors);
    const io::SafetensorsFile loaded = io::load_safetensors(path);
    REQUIRE(loaded.tensors.size() == tensors.size());
    for (const auto& [name, t] : tensors) {
      CAPTURE(name);
      REQUIRE(loaded.tensors.count(name) == 1);
      check_same(loaded.tensors.at(name), t);
    }
    CHECK(loaded.metadata.empty());
    CHECK(loaded.format_version == io::kSafetensorsVersion);

    // The in-memory encoder writes exactly the file's bytes, and a map saves too.
    CHECK(io::encode_safetensors(tensors) == test::read_bytes(path));
    io::save_safetensors(path, loaded.tensors);
    CHECK(io::load_safetensors(path).tensors.size() == tensors.size());
    CHECK(decode_safetensors(test::read_bytes(path)).tensors.at("f32").shape() == Shape{3, 5});
  }

  TEST_CASE("the header is aligned, lists tensors in data order and carries the format tag") {
    const std::string file = io::encode_safetensors(
        {{"a32", ones({3})}, {"b64", ones({1}, {DType::kFloat64})}, {"c64", zeros({2}, {DType::kInt64})}},
        {{"note", "h\u00e9llo"}});
    const std::string header = header_of(file);
    CHECK((8 + header.size()) % 8 == 0);  // data starts 8-byte aligned
    GF_CHECK_CONTAINS(header, R"("__metadata__":{"format":"ganforge-safetensors","version":"1","note":"h)");
    // 8-byte dtypes first, so every offset is a multiple of its element size.
    GF_CHECK_CONTAINS(header, R"("b64":{"dtype":"F64","shape":[1],"data_offsets":[0,8]})");
    GF_CHECK_CONTAINS(header, R"("c64":{"dtype":"I64","shape":[2],"data_offsets":[8,24]})");
    GF_CHECK_CONTAINS(header, R"("a32":{"dtype":"F32","shape":[3],"data_offsets":[24,36]})");
    CHECK(file.size() == 8 + header.size() + 36);
  }

  TEST_CASE("metadata round trips; reserved names and keys are refused") {
    test::TempDir dir("safetensors");
    const std::string path = dir.file("meta.safetensors");
    const io::Metadata metadata = {{"step", "1200"}, {"config", R"({"nz": 100})"}, {"empty", ""}};
    io::save_safetensors(path, {{"x", ones({2})}}, metadata);
    const auto loaded = io::load_safetensors(path);
    CHECK(loaded.metadata == metadata);
    CHECK(loaded.format_version == 1);

    GF_CHECK_CONTAINS(error_of([&] { io::save_safetensors(path, {{"x", ones({1})}}, {{"format", "pt"}}); }),
                      "metadata key 'format' is reserved");
    GF_CHECK_CONTAINS(error_of([&] { io::encode_safetensors({{"x", ones({1})}, {"x", ones({1})}}); }),
                      "two tensors are named 'x'");
    GF_CHECK_CONTAINS(error_of([&] { io::encode_safetensors({{"__metadata__", ones({1})}}); }),
                      "'__metadata__' cannot name a tensor");
    GF_CHECK_CONTAINS(error_of([&] { io::encode_safetensors({{"u", Tensor()}}); }), "tensor 'u' is undefined");
    CHECK(io::load_safetensors(path).metadata == metadata);  // failed saves left the file alone
  }

  TEST_CASE("a file from a newer ganforge says how to fix it") {
    const std::string f32x1 = R"("x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
    const auto with_meta = [&](const std::string& meta) {
      return make_file(R"({"__metadata__":)" + meta + "," + f32x1 + "}", std::string(4, '\0'));
    };
    const std::string newer = error_of([&] {
      decode_safetensors(with_meta(R"({"format":"ganforge-safetensors","version":"2"})"), "future.safetensors");
    });
    GF_CHECK_CONTAINS(newer, "'future.safetensors'");
    GF_CHECK_CONTAINS(newer, "format version 2");
    GF_CHECK_CONTAINS(newer, "reads versions up to 1");
    GF_CHECK_CONTAINS(newer, "Update ganforge");
    GF_CHECK_CONTAINS(error_of([&] { decode_safetensors(with_meta(R"({"format":"ganforge-safetensors","version":"1.5"})")); }),
                      "'1.5' is not a positive integer");
    GF_CHECK_CONTAINS(error_of([&] { decode_safetensors(with_meta(R"({"format":"ganforge-safetensors"})")); }),
                      "without a \"version\"");
    // Another writer's "format" key is just metadata.
    const auto other = decode_safetensors(with_meta(R"({"format":"pt"})"));
    CHECK(other.format_version == 0);
    CHECK(other.metadata.at("format") == "pt");
  }

  TEST_CASE("saving is atomic: an existing file is replaced and no temporary is left") {
    test::TempDir dir("safetensors");
    const std::string path = dir.file("model.safetensors");
    test::write_bytes(path, "an older, unrelated file");
    io::save_safetensors(path, {{"w", full({2, 2}, 3.0)}});
    CHECK(io::load_safetensors(path).tensors.at("w").to_vector<float>() == std::vector<float>{3, 3, 3, 3});
    io::save_safetensors(path, {{"w", full({1}, 4.0)}});
    CHECK(io::load_safetensors(path).tensors.at("w").to_vector<float>() == std::vector<float>{4});
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) names.push_back(entry.path().filename());
    CHECK(names == std::vector<std::string>{"model.safetensors"});

    const std::string nowhere = dir.file("missing_dir/model.safetensors");
    const std::string failed = error_of([&] { io::save_safetensors(nowhere, {{"w", ones({1})}}); });
    GF_CHECK_CONTAINS(failed, "save_safetensors");
    GF_CHECK_CONTAINS(failed, "model.safetensors");
    CHECK_FALSE(std::filesystem::exists(nowhere));
  }

  TEST_CASE("narrow dtypes from other writers widen on load") {
    // F16 1, -2, 2^-24 (smallest subnormal), inf | BF16 1, -3.5 | I32 -5 | U8 200 | BOOL 0, 2
    const std::string data = std::string("\x00\x3c\x00\xc0\x01\x00\x00\x7c", 8) + std::string("\x80\x3f\x60\xc0", 4) +
                             std::string("\xfb\xff\xff\xff", 4) + "\xc8" + std::string("\x00\x02", 2);
    const auto f = decode_safetensors(make_file(R"({"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},)"
                                                R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},)"
                                                R"("i":{"dtype":"I32","shape":[],"data_offsets":[12,16]},)"
                                                R"("u":{"dtype":"U8","shape":[1],"data_offsets":[16,17]},)"
                                                R"("m":{"dtype":"BOOL","shape":[2],"data_offsets":[17,19]}})",
                                                data));
    CHECK(f.tensors.at("h").to_vector<float>() ==
          std::vector<float>{1.0f, -2.0f, std::ldexp(1.0f, -24), std::numeric_limits<float>::infinity()});
    CHECK(f.tensors.at("b").to_vector<float>() == std::vector<float>{1.0f, -3.5f});
    CHECK(f.tensors.at("i").dtype() == DType::kInt64);
    CHECK(f.tensors.at("i").item<std::int64_t>() == -5);
    CHECK(f.tensors.at("u").to_vector<std::int64_t>() == std::vector<std::int64_t>{200});
    CHECK(f.tensors.at("m").to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1});
  }

  TEST_CASE("every kind of corrupt file is a gf::Error naming the file and the problem") {
    const std::string four = std::string(4, '\0'), eight = std::string(8, '\0');
    const auto tensor = [](const std::string& name, const std::string& fields) {
      return "\"" + name + "\":{" + fields + "}";
    };
    const std::string a4 = tensor("a", R"("dtype":"F32","shape":[1],"data_offsets":[0,4])");
    struct Case {
      const char* what;
      std::string bytes;
      const char* expected;
    };
    const std::vector<Case> cases = {
        {"empty file", "", "file is 0 bytes, too short"},
        {"7 bytes", std::string(7, '\x01'), "file is 7 bytes, too short"},
        {"absurd header length", std::string("\x00\x00\x00\x00\x00\x01\x00\x00", 8) + "{}", "header length 1099511627776 is absurd"},
        {"header past the end", std::string("\xc8\x00\x00\x00\x00\x00\x00\x00", 8) + "{}", "header length 200 runs past the end"},
        {"not JSON", make_file("{\"a\": nope}"), "header is not valid JSON"},
        {"invalid UTF-8", make_file("{\"\xff\":1}"), "header is not valid JSON"},
        {"number out of range", make_file("{" + tensor("a", R"("dtype":"F32","shape":[1e400],"data_offsets":[0,4])") + "}", four), "header is not valid JSON"},
        {"not an object", make_file("[1, 2]"), "header must be a JSON object, got array"},
        {"entry not an object", make_file(R"({"a": 5})"), "tensor 'a': expected an object with dtype, shape and data_offsets"},
        {"missing dtype", make_file("{" + tensor("a", R"("shape":[1],"data_offsets":[0,4])") + "}", four), "tensor 'a': missing \"dtype\""},
        {"missing shape", make_file("{" + tensor("a", R"("dtype":"F32","data_offsets":[0,4])") + "}", four), "tensor 'a': missing \"shape\""},
        {"missing offsets", make_file("{" + tensor("a", R"("dtype":"F32","shape":[1])") + "}", four), "tensor 'a': missing \"data_offsets\""},
        {"dtype not a string", make_file("{" + tensor("a", R"("dtype":4,"shape":[1],"data_offsets":[0,4])") + "}", four), "\"dtype\" must be a string"},
        {"unknown dtype", make_file("{" + tensor("a", R"("dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4])") + "}", four), "unknown dtype 'F8_E4M3'"},
        {"shape not an array", make_file("{" + tensor("a", R"("dtype":"F32","shape":"1","data_offsets":[0,4])") + "}", four), "\"shape\" must be an array"},
        {"negative dim", make_file("{" + tensor("a", R"("dtype":"F32","shape":[2,-1],"data_offsets":[0,4])") + "}", four), "shape [2,-1] has a negative dim"},
        {"fractional dim", make_file("{" + tensor("a", R"("dtype":"F32","shape":[1.5],"data_offsets":[0,4])") + "}", four), "holds a non-integer"},
        {"huge dim", make_file("{" + tensor("a", R"("dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,4])") + "}", four), "has a dim too large"},
        {"numel overflow", make_file("{" + tensor("a", R"("dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4])") + "}", four), "more elements than fit in 64 bits"},
        {"byte size overflow", make_file("{" + tensor("a", R"("dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,4])") + "}", four), "too large in bytes"},
        {"offsets not a pair", make_file("{" + tensor("a", R"("dtype":"F32","shape":[1],"data_offsets":[0])") + "}", four), "\"data_offsets\" must be [begin, end], got [0]"},
        {"negative offset", make_file("{" + tensor("a", R"("dtype":"F32","shape":[1],"data_offsets":[-4,0])") + "}", four), "data_offsets must be non-negative integers, got -4"},
        {"reversed offsets", make_file("{" + tensor("a", R"("dtype":"F32","shape":[0],"data_offsets":[4,0])") + "}", four), "end before they begin"},
        {"size mismatch", make_file("{" + tensor("a", R"("dtype":"F32","shape":[2,2],"data_offsets":[0,12])") + "}", std::string(12, '\0')), "span 12 bytes, but shape [2,2] of F32 needs 16"},
        {"past the buffer", make_file("{" + tensor("a", R"("dtype":"F64","shape":[2],"data_offsets":[0,16])") + "}", eight), "run past the data buffer of 8 bytes"},
        {"hole at the start", make_file("{" + tensor("a", R"("dtype":"F32","shape":[1],"data_offsets":[4,8])") + "}", eight), "hole in the data buffer: bytes [0, 4)"},
        {"hole between", make_file("{" + a4 + "," + tensor("b", R"("dtype":"F32","shape":[1],"data_offsets":[8,12])") + "}", std::string(12, '\0')), "bytes [4, 8) belong to no tensor (before 'b')"},
        {"overlap", make_file("{" + tensor("a", R"("dtype":"F64","shape":[1],"data_offsets":[0,8])") + "," + tensor("b", R"("dtype":"F32","shape":[1],"data_offsets":[4,8])") + "}", eight), "tensors 'a' and 'b' overlap"},
        {"trailing bytes", make_file("{" + a4 + "}", eight), "data buffer has 8 bytes but the tensors cover only 4"},
        {"duplicate names", make_file("{" + a4 + "," + a4 + "}", four), "header names 'a' more than once"},
        {"metadata not an object", make_file(R"({"__metadata__":3,)" + a4 + "}", four), "\"__metadata__\" must be an object of strings"},
        {"metadata value not a string", make_file(R"({"__metadata__":{"k":1},)" + a4 + "}", four), "metadata 'k' must be a string"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.what);
      const std::string message = error_of([&] { decode_safetensors(c.bytes, "corrupt.safetensors"); });
      GF_CHECK_CONTAINS(message, "decode_safetensors: 'corrupt.safetensors': ");
      GF_CHECK_CONTAINS(message, c.expected);
    }

    test::TempDir dir("safetensors");
    const std::string path = dir.file("truncated.safetensors");
    const std::string good = valid_file();
    test::write_bytes(path, good.substr(0, good.size() - 3));
    const std::string truncated = error_of([&] { io::load_safetensors(path); });
    GF_CHECK_CONTAINS(truncated, "load_safetensors: '" + path + "'");
    GF_CHECK_CONTAINS(truncated, "truncated file?");
    const std::string missing = error_of([&] { io::load_safetensors(dir.file("nope.safetensors")); });
    GF_CHECK_CONTAINS(missing, "nope.safetensors");
    GF_CHECK_CONTAINS(missing, "No such file or directory");
    GF_CHECK_CONTAINS(error_of([&] { io::load_safetensors(dir.path().string()); }), "it is a directory");
  }

  TEST_CASE("fuzz: every truncation and random header damage ends in gf::Error or a valid load") {
    const std::string good = valid_file();
    const std::size_t header_end = 8 + header_of(good).size();
    REQUIRE(decode_safetensors(good).tensors.size() == 3);

    std::vector<std::size_t> accepted_prefixes;
    for (std::size_t n = 0; n < good.size(); ++n) {
      const std::string prefix = good.substr(0, n);  // its own buffer, so reading past it would be caught by ASan
      if (error_of([&] { decode_safetensors(prefix); }).empty()) accepted_prefixes.push_back(n);
    }
    CHECK_MESSAGE(accepted_prefixes.empty(), "truncated files loaded without error, e.g. length ",
                  accepted_prefixes.empty() ? 0 : accepted_prefixes.front());

    std::mt19937 rng(1234);
    int loaded = 0, rejected = 0;
    for (int trial = 0; trial < 3000; ++trial) {
      std::string damaged = good;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int i = 0; i < flips; ++i)
        damaged[rng() % header_end] ^= static_cast<char>(1 + rng() % 255);
      try {
        decode_safetensors(damaged);
        ++loaded;
      } catch (const gf::Error&) {
        ++rejected;
      } catch (const std::exception& e) {
        FAIL("trial ", trial, " threw something other than gf::Error: ", e.what());
      }
    }
    MESSAGE(rejected, " damaged headers rejected, ", loaded, " still valid");
    CHECK(rejected > 2500);
  }

  TEST_CASE("Python interop: an independent numpy reader/writer and ganforge read each other's files") {
    if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
      MESSAGE("skipped: needs /usr/bin/python3 with numpy");
      return;
    }
    test::TempDir dir("safetensors");
    const std::string peer = "/usr/bin/python3 '" GF_SOURCE_DIR "/scripts/safetensors_peer.py'";
    const std::string from_python = dir.file("python.safetensors"), from_us = dir.file("ganforge.safetensors");
    REQUIRE(std::system((peer + " write '" + from_python + "'").c_str()) == 0);

    // Python -> ganforge: the values scripts/safetensors_peer.py writes (TENSORS there).
    const io::SafetensorsFile f = io::load_safetensors(from_python);
    CHECK(f.format_version == 0);
    CHECK(f.metadata == io::Metadata{{"source", "safetensors_peer.py"}, {"note", "h\u00e9llo \u2713"}});
    CHECK(f.tensors.size() == 11);
    check_same(f.tensors.at("layer.weight"), from_vector<float>({-1, -0.5, 0, 0.5, 1, 1.5}, {2, 3}));
    check_same(f.tensors.at("layer.bias"), from_vector<float>({0.1f, -0.2f, 3.4e38f}, {3}));
    check_same(f.tensors.at("double"), from_vector<double>({1.0 / 3, -2.5, 1e300, 5e-324}, {2, 2}));
    check_same(f.tensors.at("step"), scalar_tensor(1234567890123, {DType::kInt64}));
    check_same(f.tensors.at("labels"),
               from_vector<std::int64_t>({-1, 0, std::int64_t{1} << 40, -(std::int64_t{1} << 62)}, {4}));
    check_same(f.tensors.at("empty"), zeros({0, 3}));
    check_same(f.tensors.at("half"),
               from_vector<float>({1, -2.5, 65504, std::ldexp(1.0f, -24), std::numeric_limits<float>::infinity()}, {5}));
    check_same(f.tensors.at("brain"), from_vector<float>({1, -3.5, std::ldexp(1.0f, 100)}, {3, 1}));
    check_same(f.tensors.at("int32"), from_vector<std::int64_t>({-2147483648LL, 7, 2147483647LL}, {3}));
    check_same(f.tensors.at("bytes"), from_vector<std::int64_t>({0, 128, 255}, {3}));
    check_same(f.tensors.at("mask"), from_vector<std::int64_t>({1, 0, 1}, {3}));

    // ganforge -> Python: the re-saved file passes the peer's layout and value checks.
    io::save_safetensors(from_us, f.tensors, f.metadata);
    const std::string report = dir.file("check.txt");
    const int status = std::system((peer + " check '" + from_us + "' > '" + report + "' 2>&1").c_str());
    const std::string output = test::read_bytes(report);
    CHECK_MESSAGE(status == 0, output);
    GF_CHECK_CONTAINS(output, "OK");
  }
}
