// sort: against std::stable_sort on every dim of random shapes, ties kept in
// order, NaNs last, int64; the gradient by finite differences in float64 and
// its accumulation.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "gf/ops/sort.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

using namespace gf;

namespace {

// The naive twin: each fibre along `dim` copied out, stable-sorted, copied back.
std::pair<std::vector<double>, std::vector<std::int64_t>> naive_sort(const Tensor& x, std::int64_t dim,
                                                                     bool descending) {
  const Tensor c = x.contiguous().to(DType::kFloat64);
  const std::vector<double> v = c.to_vector<double>();
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t d = 0; d < dim; ++d) outer *= x.size(d);
  for (std::int64_t d = dim + 1; d < x.dim(); ++d) inner *= x.size(d);
  const std::int64_t k = x.size(dim);
  std::vector<double> values(v.size());
  std::vector<std::int64_t> indices(v.size());
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t i = 0; i < inner; ++i) {
      const auto at = [&](std::int64_t j) { return static_cast<std::size_t>((o * k + j) * inner + i); };
      std::vector<std::int64_t> order(static_cast<std::size_t>(k));
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
        const double va = v[at(a)], vb = v[at(b)];
        if (std::isnan(va)) return false;
        if (std::isnan(vb)) return true;
        return descending ? vb < va : va < vb;
      });
      for (std::int64_t j = 0; j < k; ++j) {
        values[at(j)] = v[at(order[static_cast<std::size_t>(j)])];
        indices[at(j)] = order[static_cast<std::size_t>(j)];
      }
    }
  return {values, indices};
}

}  // namespace

TEST_SUITE("sort") {
  TEST_CASE("sort matches std::stable_sort on every dim, ascending and descending") {
    Rng g(61);
    for (const Shape& s : std::vector<Shape>{{1}, {9}, {4, 7}, {3, 5, 2}, {2, 1, 6, 3}, {3, 0, 2}}) {
      // Values on a coarse grid: plenty of ties, which must keep their order.
      const Tensor x = div(randint(0, 4, s, {DType::kInt64}, &g).to(DType::kFloat32), 4.0);
      for (std::int64_t dim = -1; dim < s.dim(); ++dim)
        for (const bool descending : {false, true}) {
          INFO("shape ", s, " dim ", dim, descending ? " descending" : "");
          const SortResult r = sort(x, dim, descending);
          const auto [values, indices] = naive_sort(x, dim < 0 ? s.dim() - 1 : dim, descending);
          CHECK(r.values.shape() == s);
          CHECK(r.indices.dtype() == DType::kInt64);
          CHECK(r.values.to(DType::kFloat64).to_vector<double>() == values);
          CHECK(r.indices.to_vector<std::int64_t>() == indices);
        }
    }
  }

  TEST_CASE("NaNs go last either way; int64 sorts too") {
    const Tensor x = from_vector<float>({3, NAN, -1, 2, NAN, 0}, {6});
    const auto up = sort(x).values.to_vector<float>();
    CHECK(up[0] == -1);
    CHECK(up[3] == 3);
    CHECK(std::isnan(up[4]));
    CHECK(std::isnan(up[5]));
    const auto down = sort(x, 0, true).values.to_vector<float>();
    CHECK(down[0] == 3);
    CHECK(down[3] == -1);
    CHECK(std::isnan(down[4]));
    CHECK(sort(from_vector<std::int64_t>({5, -2, 9, 0}, {4})).values.to_vector<std::int64_t>() ==
          std::vector<std::int64_t>{-2, 0, 5, 9});
    CHECK(test::error_of([] { sort(zeros({})); }).find("at least one dim") != std::string::npos);
    CHECK(test::error_of([] { sort(zeros({3}), 2); }).find("sort") != std::string::npos);
  }

  TEST_CASE("sort's gradient: each value's gradient goes back where it came from (float64 gradcheck)") {
    Rng g(62);
    const Tensor x = randn({3, 5, 4}, {DType::kFloat64}, &g).requires_grad_();  // no ties
    const Tensor w = randn({3, 5, 4}, {DType::kFloat64}, &g);
    for (std::int64_t dim = 0; dim < 3; ++dim)
      GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return sum(mul(sort(in[0], dim).values, w)); },
                    (std::vector<Tensor>{x}));
    GF_CHECK_GRAD([&](const std::vector<Tensor>& in) { return sum(mul(sort(in[0], 1, true).values, w)); },
                  (std::vector<Tensor>{x}));
    // Gradients accumulate: two sorts of the same leaf add.
    const Tensor y = from_vector<double>({2, 1, 3}, {3}).requires_grad_();
    sum(mul(sort(y).values, from_vector<double>({1, 10, 100}, {3}))).backward();
    sum(sort(y).values).backward();
    CHECK(y.grad().to_vector<double>() == std::vector<double>{11, 2, 101});
  }
}
