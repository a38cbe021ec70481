// The op table's elementwise rows: binary ops with broadcasting, the scalar
// forms, unary ops and activations, and sum_to (broadcasting's backward).
#include <cmath>

#include "op_table.hpp"
#include "op_table_naive.hpp"

namespace gf::test {
namespace {

// A vector, odd matrices, a 4-D block, and one large enough to need many
// thread blocks on the GPU (too large for gradcheck, which skips it).
const std::vector<Shape> kShapes = {{7}, {3, 5}, {2, 3, 17}, {4, 1, 9, 11}, {129, 1031}};

// (a, b) pairs that broadcast: trailing ones, leading dims, a 0-D scalar tensor.
const std::vector<std::pair<Shape, Shape>> kBroadcastPairs = {
    {{3, 1, 5}, {4, 5}}, {{2, 3, 4}, {1}}, {{6, 1}, {1, 7}}, {{}, {5, 3}}, {{2, 1, 3, 1}, {4, 1, 6}}};

using Binary = Tensor (*)(const Tensor&, const Tensor&);
using Unary = Tensor (*)(const Tensor&);
using Scalar = double (*)(double, double);

struct BinaryOp {
  const char* name;
  Binary op;
  Scalar f;
  // Division needs denominators away from 0; powers need positive bases.
  bool positive_a = false, positive_b = false;
  // Its tensor-tensor backward runs a kernel (the scalar forms are ops): no double backward.
  bool first_order_only = false;
};

const std::vector<BinaryOp> kBinary = {
    {"add", add, [](double a, double b) { return a + b; }},
    {"sub", sub, [](double a, double b) { return a - b; }},
    {"mul", mul, [](double a, double b) { return a * b; }},
    {"div", div, [](double a, double b) { return a / b; }, false, true},
    {"pow", pow, [](double a, double b) { return std::pow(a, b); }, true, false, true},
    {"maximum", maximum, [](double a, double b) { return std::max(a, b); }, false, false, true},
    {"minimum", minimum, [](double a, double b) { return std::min(a, b); }, false, false, true},
};

OpCase binary_case(const BinaryOp& b, const Shape& sa, const Shape& sb, Draw& d) {
  const Tensor a = b.positive_a ? d.uniform(sa, 0.5, 2.0) : d.normal(sa);
  const Tensor c = b.positive_b ? d.uniform(sb, 0.5, 2.0) : d.normal(sb);
  return {sa.str() + " with " + sb.str(),
          {a, c},
          [op = b.op](const Inputs& in) { return op(in[0], in[1]); },
          [f = b.f](const Inputs& in) { return naive::zip(in[0], in[1], f); }};
}

/// x op s for a fixed scalar s, as the op and as a naive map.
OpCase scalar_case(const std::string& what, const Tensor& x, const OpFn& op, const std::function<double(double)>& f) {
  return {what.empty() ? x.shape().str() : what + " " + x.shape().str(), {x}, op, [f](const Inputs& in) {
            return naive::map(in[0], f);
          }};
}

struct UnaryOp {
  const char* name;
  Unary op;
  double (*f)(double);
  bool positive = false;  // log and sqrt: inputs in [0.1, 4]
};

double sigmoid_of(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double softplus_of(double x) { return std::log1p(std::exp(x)); }

const std::vector<UnaryOp> kUnary = {
    {"neg", neg, [](double x) { return -x; }},
    {"exp", exp, [](double x) { return std::exp(x); }},
    {"abs", abs, [](double x) { return std::abs(x); }},
    {"square", square, [](double x) { return x * x; }},
    {"tanh", gf::tanh, [](double x) { return std::tanh(x); }},
    {"sigmoid", sigmoid, sigmoid_of},
    {"relu", relu, [](double x) { return x > 0 ? x : 0.0; }},
    {"softplus", softplus, softplus_of},
    {"log", log, [](double x) { return std::log(x); }, true},
    {"sqrt", sqrt, [](double x) { return std::sqrt(x); }, true},
};

/// Sums `grad` down to `shape` the long way: over the leading dims it lacks
/// and over the dims where `shape` has size 1.
Tensor naive_sum_to(const Tensor& grad, const Shape& shape) {
  const std::int64_t lead = grad.dim() - shape.dim();
  std::vector<std::int64_t> dims;
  for (std::int64_t d = 0; d < grad.dim(); ++d)
    if (d < lead || (shape[static_cast<std::size_t>(d - lead)] == 1 && grad.size(d) != 1)) dims.push_back(d);
  if (dims.empty()) return naive::tensor(naive::values(grad), shape);
  return naive::reduce(grad, dims, true,
                       [](const std::vector<double>& g) {
                         double s = 0;
                         for (double e : g) s += e;
                         return s;
                       })
      .reshape(shape);
}

}  // namespace

std::vector<OpRow> elementwise_rows() {
  Draw d(1);
  std::vector<OpRow> rows;
  for (const BinaryOp& b : kBinary) {
    OpRow row{b.name, {}};
    for (const Shape& s : kShapes) row.cases.push_back(binary_case(b, s, s, d));
    for (const auto& [sa, sb] : kBroadcastPairs) row.cases.push_back(binary_case(b, sa, sb, d));
    rows.push_back(b.first_order_only ? first_order_only(row) : row);
  }

  // The scalar forms join their ops' rows; rsub and rdiv are rows of their own.
  auto row_of = [&rows](const std::string& name) -> OpRow& {
    for (OpRow& r : rows)
      if (r.op == name) return r;
    return rows.emplace_back(OpRow{name, {}});
  };
  for (const Shape& s : kShapes) {
    const Tensor x = d.normal(s), positive = d.uniform(s, 0.5, 2.0);
    row_of("add").cases.push_back(scalar_case(
        "+ 2.5", x, [](const Inputs& in) { return add(in[0], 2.5); }, [](double v) { return v + 2.5; }));
    row_of("sub").cases.push_back(scalar_case(
        "- -1.25", x, [](const Inputs& in) { return sub(in[0], -1.25); }, [](double v) { return v + 1.25; }));
    row_of("mul").cases.push_back(scalar_case(
        "* 3", x, [](const Inputs& in) { return mul(in[0], 3.0); }, [](double v) { return v * 3.0; }));
    row_of("div").cases.push_back(scalar_case(
        "/ 7", x, [](const Inputs& in) { return div(in[0], 7.0); }, [](double v) { return v / 7.0; }));
    row_of("rsub").cases.push_back(scalar_case(
        "1.5 -", x, [](const Inputs& in) { return rsub(1.5, in[0]); }, [](double v) { return 1.5 - v; }));
    row_of("rdiv").cases.push_back(scalar_case(
        "2 /", positive, [](const Inputs& in) { return rdiv(2.0, in[0]); }, [](double v) { return 2.0 / v; }));
    row_of("pow").cases.push_back(scalar_case(
        "^ 3", x, [](const Inputs& in) { return pow(in[0], 3.0); }, [](double v) { return v * v * v; }));
    row_of("pow").cases.push_back(scalar_case(
        "^ 0.5", positive, [](const Inputs& in) { return pow(in[0], 0.5); }, [](double v) { return std::sqrt(v); }));
  }

  // Ops defined on all reals get 3 N(0, 1) inputs; log and sqrt positive ones.
  for (const UnaryOp& u : kUnary) {
    OpRow row{u.name, {}};
    for (const Shape& s : kShapes) {
      const Tensor x = u.positive ? d.uniform(s, 0.1, 4.0) : mul(d.normal(s), 3.0);
      row.cases.push_back(scalar_case(
          "", x, [op = u.op](const Inputs& in) { return op(in[0]); }, u.f));
    }
    rows.push_back(row);
  }
  OpRow leaky{"leaky_relu", {}}, clamped{"clamp", {}};
  for (const Shape& s : kShapes) {
    const Tensor x = mul(d.normal(s), 3.0);
    leaky.cases.push_back(scalar_case(
        "slope 0.2", x, [](const Inputs& in) { return leaky_relu(in[0], 0.2); },
        [](double v) { return v > 0 ? v : 0.2 * v; }));
    clamped.cases.push_back(scalar_case(
        "to [-0.5, 0.7]", x, [](const Inputs& in) { return clamp(in[0], -0.5, 0.7); },
        [](double v) { return std::min(std::max(v, -0.5), 0.7); }));
  }
  rows.push_back(leaky);
  rows.push_back(clamped);

  OpRow to{"sum_to", {}};
  for (const auto& [from, shape] : std::vector<std::pair<Shape, Shape>>{{{4, 5}, {4, 5}},
                                                                        {{3, 4, 5}, {4, 5}},
                                                                        {{3, 4, 5}, {3, 1, 5}},
                                                                        {{2, 3, 4}, {1}},
                                                                        {{6, 7}, {}},
                                                                        {{2, 5, 3, 6}, {5, 1, 1}}}) {
    to.cases.push_back({from.str() + " to " + shape.str(),
                        {d.normal(from)},
                        [shape](const Inputs& in) { return sum_to(in[0], shape); },
                        [shape](const Inputs& in) { return naive_sum_to(in[0], shape); }});
  }
  rows.push_back(to);
  return rows;
}

}  // namespace gf::test
