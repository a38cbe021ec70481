// The blocked GEMM kernel against its naive reference twin: odd sizes that
// leave partial tiles, every transpose combination, alpha and beta, padded
// leading dimensions, shapes that span several cache blocks and both cores,
// and the strided batch entry point.
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "cpu/gemm.hpp"
#include "cpu/reference/gemm_reference.hpp"
#include "helpers.hpp"

namespace {

template <typename T>
std::vector<T> random_vector(std::size_t n, std::mt19937& rng) {
  std::normal_distribution<double> dist;
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(dist(rng));
  return v;
}

/// One GEMM problem. check() runs the fast and the reference GEMM on the same
/// random data and describes the first element of C where they differ by more
/// than a tolerance growing with k (an empty string when all agree).
template <typename T>
struct GemmCase {
  bool trans_a = false, trans_b = false;
  std::int64_t m = 1, n = 1, k = 1;
  T alpha = 1, beta = 0;
  std::int64_t pad = 0;  // extra elements per row beyond what the layout needs

  std::string check(std::mt19937& rng) const {
    // Stored shapes: A is (m, k) or, transposed, (k, m); likewise B.
    const std::int64_t a_rows = trans_a ? k : m, a_cols = trans_a ? m : k;
    const std::int64_t b_rows = trans_b ? n : k, b_cols = trans_b ? k : n;
    const std::int64_t lda = a_cols + pad, ldb = b_cols + pad, ldc = n + pad;
    const auto a = random_vector<T>(static_cast<std::size_t>(a_rows * lda), rng);
    const auto b = random_vector<T>(static_cast<std::size_t>(b_rows * ldb), rng);
    std::vector<T> c = random_vector<T>(static_cast<std::size_t>(m * ldc), rng);
    // With beta == 0 the old C must not be read: NaN there would leak through.
    if (beta == T(0)) std::fill(c.begin(), c.end(), std::numeric_limits<T>::quiet_NaN());
    std::vector<T> expected = c;
    gf::cpu::gemm<T>(trans_a, trans_b, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
    gf::cpu::reference::gemm<T>(trans_a, trans_b, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta,
                                expected.data(), ldc);
    const double eps = std::is_same_v<T, float> ? 1e-6 : 1e-14;
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < ldc; ++j) {
        const T got = c[i * ldc + j], want = expected[i * ldc + j];
        // Padding columns of C must be left alone (NaN stays NaN).
        const bool same_nan = std::isnan(got) && std::isnan(want);
        if (!same_nan && !(std::abs(got - want) <= eps * 4 * (static_cast<double>(k) + 1) * (1 + std::abs(want))))
          return gf::detail::concat("m=", m, " n=", n, " k=", k, " trans_a=", trans_a, " trans_b=", trans_b,
                                    " alpha=", alpha, " beta=", beta, " pad=", pad, ": C(", i, ", ", j,
                                    ") = ", got, ", reference ", want);
      }
    return "";
  }
};

template <typename T>
void check_all_layouts(const std::vector<std::int64_t>& sizes, std::mt19937& rng) {
  const T alphas[] = {T(1), T(-1.5)}, betas[] = {T(0), T(0.5)};
  int variant = 0;
  for (std::int64_t m : sizes)
    for (std::int64_t n : sizes)
      for (std::int64_t k : sizes)
        for (int t = 0; t < 4; ++t) {
          // Cycle alpha, beta and padding through the shapes rather than multiplying the cases.
          GemmCase<T> c{(t & 1) != 0, (t & 2) != 0, m, n, k, alphas[variant % 2],
                        betas[(variant / 2) % 2], variant % 3};
          ++variant;
          const std::string err = c.check(rng);
          CHECK_MESSAGE(err.empty(), err);
        }
}

}  // namespace

TEST_SUITE("gemm") {
  TEST_CASE("float GEMM matches the reference on odd sizes and every transpose") {
    std::mt19937 rng(1);
    check_all_layouts<float>({1, 3, 17, 63, 65, 129}, rng);
  }

  TEST_CASE("double GEMM matches the reference on odd sizes and every transpose") {
    std::mt19937 rng(2);
    check_all_layouts<double>({1, 2, 15, 33, 100}, rng);
  }

  TEST_CASE("shapes spanning several cache blocks, split over both cores") {
    std::mt19937 rng(3);
    // Deeper than one KC block, wider than one NC block, taller than one MC block,
    // and both split directions (more columns than rows and the reverse).
    const GemmCase<float> float_cases[] = {
        {false, false, 37, 4200, 400, 1.0f, 0.0f, 0},  {true, true, 37, 4200, 400, 0.5f, 1.0f, 3},
        {false, true, 1100, 40, 520, 1.0f, 0.0f, 1},   {true, false, 1100, 40, 520, -1.0f, 2.0f, 0},
        {false, false, 250, 260, 600, 1.0f, 0.25f, 5},
    };
    for (const auto& c : float_cases) {
      const std::string err = c.check(rng);
      CHECK_MESSAGE(err.empty(), err);
    }
    const GemmCase<double> double_cases[] = {
        {false, false, 300, 2100, 130, 1.0, 0.0, 0},  // NC for doubles is half as wide
        {true, true, 700, 50, 400, 2.0, -1.0, 2},
    };
    for (const auto& c : double_cases) {
      const std::string err = c.check(rng);
      CHECK_MESSAGE(err.empty(), err);
    }
  }

  TEST_CASE("k = 0 scales C by beta; alpha = 0 ignores A and B") {
    std::vector<float> c{1, 2, 3, 4};
    gf::cpu::gemm<float>(false, false, 2, 2, 0, 1.0f, nullptr, 1, nullptr, 1, 3.0f, c.data(), 2);
    CHECK(c == std::vector<float>{3, 6, 9, 12});
    const std::vector<float> nan(4, std::numeric_limits<float>::quiet_NaN());
    gf::cpu::gemm<float>(false, false, 2, 2, 2, 0.0f, nan.data(), 2, nan.data(), 2, 0.0f, c.data(), 2);
    CHECK(c == std::vector<float>{0, 0, 0, 0});
  }

  TEST_CASE("batched GEMM: strided batch, a broadcast operand, balanced and unbalanced batches") {
    std::mt19937 rng(4);
    for (std::int64_t batch : {1, 3, 4, 9}) {
      const std::int64_t m = 19, n = 23, k = 31;
      const auto a = random_vector<float>(static_cast<std::size_t>(batch * m * k), rng);
      const auto b = random_vector<float>(static_cast<std::size_t>(k * n), rng);  // shared: stride 0
      std::vector<float> c(static_cast<std::size_t>(batch * m * n)), expected = c;
      // A stored transposed per item: (k, m), so op(A) = A^T.
      gf::cpu::gemm_batched<float>(true, false, m, n, k, 1.0f, a.data(), m, m * k, b.data(), n, 0, 0.0f, c.data(), n,
                                   m * n, batch);
      for (std::int64_t i = 0; i < batch; ++i)
        gf::cpu::reference::gemm<float>(true, false, m, n, k, 1.0f, a.data() + i * m * k, m, b.data(), n, 0.0f,
                                        expected.data() + i * m * n, n);
      for (std::size_t i = 0; i < c.size(); ++i) REQUIRE(c[i] == doctest::Approx(expected[i]).epsilon(1e-4));
    }
  }
}
