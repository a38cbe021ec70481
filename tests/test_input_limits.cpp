// The limits the programs check their inputs against before working: the
// memory an option implies (check_memory_budget) and the smallest image a
// network can take (io::too_small / check_min_size).
#include "gf/core/machine.hpp"
#include "gf/core/memory_budget.hpp"
#include "gf/io/image_size.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

using namespace gf;
using gf::test::error_of;

TEST_SUITE("input limits") {
  TEST_CASE("format_bytes picks the unit a person reads") {
    CHECK(format_bytes(512) == "512 bytes");
    CHECK(format_bytes(640 * 1024.0) == "640 KiB");
    CHECK(format_bytes(1.5 * 1024 * 1024) == "1.5 MiB");
    CHECK(format_bytes(3.4 * 1024 * 1024 * 1024) == "3.4 GiB");
    CHECK(format_bytes(17.88 * 1024 * 1024 * 1024) == "17.9 GiB");  // next to 17.6 GiB available, not both "18"
    CHECK(format_bytes(150.0 * 1024 * 1024 * 1024) == "150 GiB");
    CHECK(format_bytes(2048.0 * 1024 * 1024 * 1024 * 1024) == "2048 TiB");
  }

  TEST_CASE("check_memory_budget refuses an estimate over the budget with both figures and the hint") {
    CHECK_NOTHROW(check_memory_budget(1e6, "a small job", "never shown", 2e6));
    const std::string msg = error_of([] { check_memory_budget(3e9, "stylising 8000x6000", "use --tile 512", 1e9); });
    CHECK(msg == "stylising 8000x6000 needs about 2.8 GiB, 954 MiB are available; use --tile 512");
  }

  TEST_CASE("without a budget it is a share of the available memory") {
    const double available = available_memory_bytes();
    if (available <= 0) return;  // no /proc/meminfo: nothing to compare against
    CHECK_NOTHROW(check_memory_budget(0.5 * kUsableMemoryShare * available, "half", "-"));
    GF_CHECK_CONTAINS(error_of([&] { check_memory_budget(2 * available, "twice", "buy more"); }), "twice needs about");
  }

  TEST_CASE("too_small names the image, its size (width first), the minimum and why") {
    CHECK(io::too_small(16, 16, "a.png", 16, "why").empty());
    CHECK(io::too_small(15, 40, "a.png", 16, "four halvings") ==
          "a.png is 40x15, smaller than the 16x16 minimum (four halvings)");
    CHECK(error_of([] { io::check_min_size(1, 1, "dot.png", 5, "a 9x9 kernel"); }) ==
          "dot.png is 1x1, smaller than the 5x5 minimum (a 9x9 kernel)");
    CHECK(io::size_text(zeros({2, 3, 4, 7})) == "7x4");
    CHECK(io::size_text(zeros({3, 4, 7})) == "7x4");
  }
}
