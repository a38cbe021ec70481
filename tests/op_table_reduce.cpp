// The op table's reduction rows: sum, mean, var, max and argmax, over every
// element, along each dim, and over several dims at once.
#include <algorithm>

#include "op_table.hpp"
#include "op_table_naive.hpp"

namespace gf::test {
namespace {

using Fold = std::function<double(const std::vector<double>&)>;

double sum_of(const std::vector<double>& v) {
  double s = 0;
  for (double e : v) s += e;
  return s;
}
double max_of(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }
// max_element returns the first of equal maxima, as argmax must.
double argmax_of(const std::vector<double>& v) {
  return static_cast<double>(std::max_element(v.begin(), v.end()) - v.begin());
}

OpCase reduce_case(const std::string& what, const Tensor& x, const OpFn& op, std::vector<std::int64_t> dims,
                   bool keepdim, Fold fold) {
  return {what + " " + x.shape().str(), {x}, op, [dims, keepdim, fold](const Inputs& in) {
            return naive::reduce(in[0], dims, keepdim, fold);
          }};
}

}  // namespace

std::vector<OpRow> reduce_rows() {
  Draw d(4);
  OpRow sums{"sum", {}}, means{"mean", {}}, vars{"var", {}}, maxes{"max", {}}, argmaxes{"argmax", {}};
  const Checks no_grad{.grad = false};  // an index has no gradient
  for (const Shape& s : std::vector<Shape>{{7}, {5, 7, 9}, {2, 3, 4, 5}, {3, 40001}}) {
    const Tensor x = d.normal(s);
    const Fold unbiased = [](const std::vector<double>& v) { return naive::var_of(v, true); };
    const Fold biased = [](const std::vector<double>& v) { return naive::var_of(v, false); };
    sums.cases.push_back(reduce_case(
        "all", x, [](const Inputs& in) { return sum(in[0]); }, {}, false, sum_of));
    means.cases.push_back(reduce_case(
        "all", x, [](const Inputs& in) { return mean(in[0]); }, {}, false, naive::mean_of));
    vars.cases.push_back(reduce_case(
        "all", x, [](const Inputs& in) { return var(in[0]); }, {}, false, unbiased));
    maxes.cases.push_back(reduce_case(
        "all", x, [](const Inputs& in) { return max(in[0]); }, {}, false, max_of));
    argmaxes.cases.push_back(reduce_case(
        "all", x, [](const Inputs& in) { return argmax(in[0]); }, {}, false, argmax_of));
    argmaxes.cases.back().checks = no_grad;
    for (std::int64_t dim = 0; dim < s.dim(); ++dim) {
      const std::string at = "dim " + std::to_string(dim);
      sums.cases.push_back(reduce_case(
          at, x, [dim](const Inputs& in) { return sum(in[0], {dim}); }, {dim}, false, sum_of));
      means.cases.push_back(reduce_case(
          at + " keepdim", x, [dim](const Inputs& in) { return mean(in[0], {dim}, true); }, {dim}, true,
          naive::mean_of));
      vars.cases.push_back(reduce_case(
          at + " biased", x, [dim](const Inputs& in) { return var(in[0], {dim}, false); }, {dim}, false, biased));
      maxes.cases.push_back(reduce_case(
          at, x, [dim](const Inputs& in) { return max(in[0], dim); }, {dim}, false, max_of));
      argmaxes.cases.push_back(reduce_case(
          at + " keepdim", x, [dim](const Inputs& in) { return argmax(in[0], dim, true); }, {dim}, true, argmax_of));
      argmaxes.cases.back().checks = no_grad;
    }
    if (s.dim() >= 3) {  // several dims at once, not adjacent
      sums.cases.push_back(reduce_case(
          "dims {0, 2}", x,
          [](const Inputs& in) {
            return sum(in[0], {0, 2});
          },
          {0, 2}, false, sum_of));
      vars.cases.push_back(reduce_case(
          "dims {0, 2}", x,
          [](const Inputs& in) {
            return var(in[0], {0, 2});
          },
          {0, 2}, false, unbiased));
    }
  }
  return {sums, means, vars, first_order_only(maxes), argmaxes};
}

}  // namespace gf::test
