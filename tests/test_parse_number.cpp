// gf::parse_number and io::metadata_number: the one way text becomes a number
// in files, headers, metadata and options. The whole text must be the number;
// what std::stoll and atoi would read part of, or throw an unnamed error on, is
// refused.
#include <cmath>
#include <cstdint>
#include <limits>

#include "gf/core/parse_number.hpp"
#include "gf/io/safetensors.hpp"
#include "helpers.hpp"

using namespace gf;

TEST_SUITE("parse_number") {
  TEST_CASE("whole numbers: all of the text, in range, or nothing") {
    CHECK(parse_number<std::int64_t>("1200") == 1200);
    CHECK(parse_number<std::int64_t>("-3") == -3);
    CHECK(parse_number<std::int64_t>("9223372036854775807") == std::numeric_limits<std::int64_t>::max());
    for (const char* bad : {"", " 12", "12 ", "12abc", "+12", "1.5", "0x10", "9223372036854775808", "-"})
      CHECK_MESSAGE(!parse_number<std::int64_t>(bad), bad);
    CHECK(!parse_number<int>("2147483648"));  // fits int64, not int
    CHECK(!parse_number<std::size_t>("-1"));  // unsigned types refuse a sign
    CHECK(parse_number<std::size_t>("0") == 0u);
  }

  TEST_CASE("floating point: decimal and exponent forms; inf and nan are numbers the caller may refuse") {
    CHECK(parse_number<double>("4e-4") == 4e-4);
    CHECK(parse_number<double>("-0.5") == -0.5);
    CHECK(parse_number<double>("17") == 17.0);
    for (const char* bad : {"", "fast", "1.5s", " 1", "1,5", "1e", "+1"}) CHECK_MESSAGE(!parse_number<double>(bad), bad);
    CHECK(std::isinf(*parse_number<double>("inf")));
    CHECK(std::isnan(*parse_number<double>("nan")));
  }
}

TEST_SUITE("metadata_number") {
  TEST_CASE("absent keys are nothing; malformed values name the file, key and text") {
    const io::Metadata metadata = {{"step", "1200"}, {"lr", "2e-4"}, {"width", "32px"}};
    CHECK(io::metadata_number<std::int64_t>(metadata, "step", "ck.safetensors") == 1200);
    CHECK(io::metadata_number<double>(metadata, "lr", "ck.safetensors") == 2e-4);
    CHECK(!io::metadata_number<double>(metadata, "missing", "ck.safetensors"));
    CHECK_THROWS_WITH_AS(io::metadata_number<std::int64_t>(metadata, "width", "ck.safetensors"),
                         "ck.safetensors: metadata 'width' must be a whole number, got '32px'", gf::Error);
    CHECK_THROWS_WITH_AS(io::metadata_number<std::int64_t>(metadata, "lr", "ck.safetensors"),
                         "ck.safetensors: metadata 'lr' must be a whole number, got '2e-4'", gf::Error);
  }
}
