// Tensor core: storage sharing, views, factories, printing, generators.
#include <limits>

#include "gf/core/checked_size.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

using namespace gf;
using gf::test::error_of;

TEST_SUITE("tensor") {
  TEST_CASE("empty tensor has contiguous strides and the requested dtype") {
    Tensor t = Tensor::empty({2, 3, 4}, {DType::kFloat64});
    CHECK(t.shape() == Shape{2, 3, 4});
    CHECK(t.strides() == Shape{12, 4, 1});
    CHECK(t.dtype() == DType::kFloat64);
    CHECK(t.is_contiguous());
    CHECK(reinterpret_cast<std::uintptr_t>(t.raw_data()) % kCpuAlignment == 0);
  }

  TEST_CASE("empty refuses shapes whose size overflows instead of allocating a wrapped one") {
    // 4 x 2^31 x 2^31 elements wrap to 0 in int64; 2^62 float32s wrap to 0 bytes.
    GF_CHECK_CONTAINS(error_of([] { Tensor::empty({4, std::int64_t{1} << 31, std::int64_t{1} << 31}); }),
                      "overflows a 64-bit size");
    GF_CHECK_CONTAINS(error_of([] { Tensor::empty({std::int64_t{1} << 62}); }), "overflows a 64-bit size");
    GF_CHECK_CONTAINS(error_of([] { Tensor::empty({2, -1}); }), "negative dimension");
    CHECK(Tensor::empty({std::int64_t{1} << 62, 4, 0}).numel() == 0);  // nothing to hold, nothing wraps
  }

  TEST_CASE("checked sizes: products, sums and byte counts") {
    CHECK(checked_product({3, 4, 5}, "x") == 60);
    CHECK(checked_product({}, "x") == 1);
    CHECK(checked_add(2, 3, "x") == 5);
    CHECK(checked_bytes(10, 4, "x") == 40u);
    GF_CHECK_CONTAINS(error_of([] { checked_mul(std::int64_t{1} << 32, std::int64_t{1} << 31, "header of f"); }),
                      "header of f: 4294967296 x 2147483648 overflows");
    GF_CHECK_CONTAINS(error_of([] { checked_add(INT64_MAX, 1, "sum"); }), "overflows");
    GF_CHECK_CONTAINS(error_of([] { checked_mul(-2, 3, "dims"); }), "dims: negative size -2");
    GF_CHECK_CONTAINS(error_of([] { checked_bytes(std::int64_t{1} << 62, 4, "t"); }), "overflows");
  }

  TEST_CASE("views share storage with their base") {
    Tensor a = arange(0, 6).view({2, 3});
    Tensor b = a.transpose(0, 1);
    CHECK(b.shape() == Shape{3, 2});
    CHECK(b.strides() == Shape{1, 3});
    CHECK_FALSE(b.is_contiguous());
    CHECK(b.storage() == a.storage());
    CHECK(b.to_vector<float>() == std::vector<float>{0, 3, 1, 4, 2, 5});
    a.narrow(1, 1, 1).fill_(9);
    CHECK(a.to_vector<float>() == std::vector<float>{0, 9, 2, 3, 9, 5});
    CHECK(b.contiguous().is_contiguous());
  }

  TEST_CASE("slice, select, squeeze, unsqueeze, expand, flatten") {
    Tensor a = arange(0, 24).view({2, 3, 4});
    CHECK(a.slice(2, 1, 4, 2).to_vector<float>() ==
          std::vector<float>{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23});
    CHECK(a.select(1, -1).shape() == Shape{2, 4});
    CHECK(a.select(1, 2).to_vector<float>() == std::vector<float>{8, 9, 10, 11, 20, 21, 22, 23});
    CHECK(a.unsqueeze(0).shape() == Shape{1, 2, 3, 4});
    CHECK(a.unsqueeze(-1).shape() == Shape{2, 3, 4, 1});
    CHECK(a.unsqueeze(1).squeeze(1).shape() == Shape{2, 3, 4});
    Tensor row = arange(0, 3).view({1, 3});
    Tensor e = row.expand({4, 3});
    CHECK(e.strides() == Shape{0, 1});
    CHECK(e.contiguous().to_vector<float>() == std::vector<float>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2});
    CHECK(a.flatten(1).shape() == Shape{2, 12});
    CHECK(a.view({-1, 4}).shape() == Shape{6, 4});
    CHECK(a.permute({2, 0, 1}).reshape({4, 6}).shape() == Shape{4, 6});
  }

  TEST_CASE("bad views name what is wrong") {
    Tensor a = zeros({2, 3});
    CHECK_THROWS_WITH_AS(a.view({4, 2}), doctest::Contains("(4, 2)"), gf::Error);
    CHECK_THROWS_WITH_AS(a.t().view({6}), doctest::Contains("not contiguous"), gf::Error);
    CHECK_THROWS_WITH_AS(a.expand({3, 3}), doctest::Contains("cannot expand"), gf::Error);
    CHECK_THROWS_AS(a.narrow(1, 2, 2), gf::Error);
    CHECK_THROWS_AS(a.permute({0, 0}), gf::Error);
  }

  TEST_CASE("factories") {
    CHECK(ones({2, 2}).to_vector<double>() == std::vector<double>{1, 1, 1, 1});
    CHECK(full({3}, 2.5).to_vector<double>() == std::vector<double>{2.5, 2.5, 2.5});
    CHECK(arange(1, 2, 0.25).to_vector<double>() == std::vector<double>{1, 1.25, 1.5, 1.75});
    CHECK(scalar_tensor(4).dim() == 0);
    CHECK(scalar_tensor(4).item<double>() == 4.0);
    CHECK(from_vector<std::int64_t>({1, 2, 3}, {3}).dtype() == DType::kInt64);
    CHECK_THROWS_WITH_AS(from_vector<float>({1, 2, 3}, {2, 2}), doctest::Contains("(2, 2)"), gf::Error);
    float buf[4] = {1, 2, 3, 4};
    Tensor b = from_blob(buf, {2, 2});
    buf[3] = 7;
    CHECK(b.to_vector<float>()[3] == 7.0f);
  }

  TEST_CASE("conversions between dtypes") {
    Tensor a = from_vector<double>({1.5, -2.25}, {2});
    CHECK(a.to(DType::kFloat32).to_vector<float>() == std::vector<float>{1.5f, -2.25f});
    CHECK(a.to(DType::kInt64).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, -2});
    Tensor c = zeros({2, 2});
    c.copy_(from_vector<double>({3, 4}, {2}));  // broadcast + convert
    CHECK(c.to_vector<float>() == std::vector<float>{3, 4, 3, 4});
  }

  TEST_CASE("float to integer conversions are defined for NaN and out-of-range values") {
    // A checkpoint whose "step" is an F64 NaN made the int64 conversion
    // undefined behaviour (UBSan in tests/fuzz/fuzz_gan_checkpoint.cpp).
    constexpr std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t highest = std::numeric_limits<std::int64_t>::max();
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    CHECK(from_vector<double>({nan, inf, -inf, 1e300, -1e300, 9.3e18, -2.7}, {7}).to_vector<std::int64_t>() ==
          std::vector<std::int64_t>{0, highest, lowest, highest, lowest, highest, -2});
    CHECK(from_vector<float>({std::nanf(""), 1e30f, -1e30f, 2.9f}, {4}).to_vector<std::int64_t>() ==
          std::vector<std::int64_t>{0, highest, lowest, 2});
  }

  TEST_CASE("seeded generators repeat, and states restore exactly") {
    Rng g1(42), g2(42);
    CHECK(randn({100}, {}, &g1).to_vector<float>() == randn({100}, {}, &g2).to_vector<float>());
    Rng g3(43);
    CHECK(rand({10}, {}, &g1).to_vector<float>() != rand({10}, {}, &g3).to_vector<float>());
    g1.next_u32();  // leave a partly used block
    const auto saved = g1.state();
    const auto expected = std::vector<std::uint32_t>{g1.next_u32(), g1.next_u32(), g1.next_u32(), g1.next_u32()};
    Rng g4;
    g4.set_state(saved);
    CHECK(std::vector<std::uint32_t>{g4.next_u32(), g4.next_u32(), g4.next_u32(), g4.next_u32()} == expected);
  }

  TEST_CASE("randn has unit variance and rand stays in [0, 1)") {
    Rng g(7);
    const auto v = randn({20000}, {DType::kFloat64}, &g).to_vector<double>();
    double mean = 0, sq = 0;
    for (double x : v) mean += x / v.size();
    for (double x : v) sq += (x - mean) * (x - mean) / v.size();
    CHECK(std::abs(mean) < 0.03);
    CHECK(std::abs(sq - 1.0) < 0.05);
    for (float x : rand({5000}, {}, &g).to_vector<float>()) CHECK((x >= 0.0f && x < 1.0f));
    for (auto x : randint(3, 7, {1000}, {DType::kInt64}, &g).to_vector<std::int64_t>()) CHECK((x >= 3 && x < 7));
  }

  TEST_CASE("printing shows shape, dtype and truncated values") {
    const std::string s = arange(0, 100).str();
    CHECK(s.find("shape=(100,)") != std::string::npos);
    CHECK(s.find("float32") != std::string::npos);
    CHECK(s.find("...") != std::string::npos);
    CHECK(s.find("99") != std::string::npos);
  }

  TEST_CASE("a CUDA tensor without the backend is a clear error") {
    if (cuda_is_available()) return;  // covered by the CUDA suite
    CHECK_THROWS_WITH_AS(zeros({2}).to(Device::cuda()), doctest::Contains("cuda"), gf::Error);
    CHECK(Device::parse("cuda:1") == Device::cuda(1));
    for (const char* bad : {"gpu", "cuda:", "cuda:1x", "cuda:-1", "cuda: 1"})
      CHECK_THROWS_WITH_AS(Device::parse(bad), doctest::Contains(bad), gf::Error);
  }
}
