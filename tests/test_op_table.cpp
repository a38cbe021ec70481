// The checks the op table (op_table.hpp) generates for every public op:
// forward against the naive reference in float64 and float32, float64
// gradcheck, float64 gradgradcheck, CUDA against CPU; and the test that every op declared in
// include/gf/ops/ has a row. Run one op's cases with -sc="conv2d*".
#include <filesystem>
#include <fstream>
#include <regex>

#include "cuda_helpers.hpp"
#include "op_table.hpp"

using namespace gf;
using gf::test::Inputs;
using gf::test::OpCase;
using gf::test::OpRow;

namespace {

/// Copies of `inputs` (each case's inputs are shared between its checks, and
/// some ops update an input in place), floating ones converted to `dtype`.
Inputs copies(const Inputs& inputs, DType dtype) {
  Inputs out;
  for (const Tensor& t : inputs)
    out.push_back(!t.defined() ? t : is_floating(t.dtype()) ? t.detach().to(dtype).clone() : t.detach().clone());
  return out;
}

/// The case's inputs in float64, every floating one that is not a constant
/// marked as requiring grad: what gradcheck and gradgradcheck differentiate.
Inputs float64_inputs_requiring_grad(const OpCase& c) {
  Inputs in = copies(c.inputs, DType::kFloat64);
  for (std::size_t i = 0; i < in.size(); ++i)
    if (in[i].defined() && is_floating(in[i].dtype()) && !c.constants.count(i)) in[i].requires_grad_();
  return in;
}

std::int64_t total_elements(const Inputs& inputs) {
  std::int64_t n = 0;
  for (const Tensor& t : inputs) n += t.defined() ? t.numel() : 0;
  return n;
}

/// Runs `check` on every case of every row that `wanted` selects, each op a
/// doctest subcase named after it.
template <typename Wanted, typename Check>
void for_each_case(Wanted wanted, Check check) {
  for (const OpRow& row : test::op_table()) SUBCASE(row.op.c_str()) {
      for (const OpCase& c : row.cases) {
        if (!wanted(c)) continue;
        INFO(row.op, " ", c.what);
        check(c);
      }
    }
}

/// The names declared in include/gf/ops/*.hpp: every function returning a
/// Tensor, a SortResult or void (the in-place updates), operators aside.
std::set<std::string> declared_ops() {
  const std::regex declaration(R"(^(?:inline\s+)?(?:Tensor|SortResult|void)\s+(\w+)\()");
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(GF_SOURCE_DIR) + "/include/gf/ops")) {
    std::ifstream in(entry.path());
    std::smatch m;
    for (std::string line; std::getline(in, line);)
      if (std::regex_search(line, m, declaration)) names.insert(m[1]);
  }
  return names;
}

}  // namespace

TEST_SUITE("op_table") {
  TEST_CASE("every public op has a row, and every row is a public op") {
    const std::set<std::string> declared = declared_ops();
    REQUIRE(declared.size() > 40);  // the parser found the headers
    std::set<std::string> rows;
    for (const OpRow& row : test::op_table()) {
      CHECK_MESSAGE(rows.insert(row.op).second, "two rows for ", row.op);
      CHECK_MESSAGE(!row.cases.empty(), row.op, " has no cases");
    }
    for (const std::string& op : declared)
      CHECK_MESSAGE(rows.count(op), op, " is declared in include/gf/ops/ but has no row in tests/op_table_*.cpp");
    for (const std::string& op : rows)
      CHECK_MESSAGE(declared.count(op), op, " has a row but is not declared in include/gf/ops/");
  }

  TEST_CASE("forward: float64 and float32 against the naive reference") {
    for_each_case([](const OpCase& c) { return c.checks.forward; },
                  [](const OpCase& c) {
                    const Tensor expected = c.reference(copies(c.inputs, DType::kFloat64));
                    const double scale = test::max_abs(expected);
                    const Tensor y64 = c.run(copies(c.inputs, DType::kFloat64));
                    GF_CHECK_CLOSE(y64, expected, 1e-10, 1e-10 * scale);
                    const Tensor y32 = c.run(copies(c.inputs, DType::kFloat32));
                    GF_CHECK_CLOSE(y32, expected, c.float32_rtol, c.float32_rtol * scale);
                  });
  }

  TEST_CASE("float64 gradcheck of every floating input") {
    for_each_case(
        [](const OpCase& c) { return c.checks.grad && total_elements(c.inputs) <= test::kGradcheckMaxElements; },
        [](const OpCase& c) { GF_CHECK_GRAD(c.run, float64_inputs_requiring_grad(c)); });
  }

  TEST_CASE("float64 gradgradcheck (double backward) of every case that has one") {
    for_each_case(
        [](const OpCase& c) {
          return c.checks.grad && c.checks.gradgrad && total_elements(c.inputs) <= test::kGradgradcheckMaxElements;
        },
        [](const OpCase& c) {
          try {
            const GradcheckResult r = gradgradcheck(c.run, float64_inputs_requiring_grad(c));
            CHECK_MESSAGE(r.ok, r.report);
          } catch (const Error& e) {  // an op without a differentiable backward: mark the case first-order only
            FAIL_CHECK(std::string(e.what()));
          }
        });
  }

  TEST_CASE("a case marked first-order only really is: create_graph through it throws") {
    for_each_case([](const OpCase& c) { return c.checks.grad && !c.checks.gradgrad; },
                  [](const OpCase& c) {
                    const Inputs in = float64_inputs_requiring_grad(c);
                    std::vector<Tensor> wrt;
                    for (const Tensor& t : in)
                      if (t.defined() && t.requires_grad()) wrt.push_back(t);
                    const Tensor y = sum(c.run(in));
                    const auto first = [&] { return autograd::grad({y}, wrt, {}, /*create_graph=*/true); };
                    CHECK_THROWS_WITH_AS(first(), doctest::Contains("has no differentiable backward"), Error);
                  });
  }

  TEST_CASE("CUDA against CPU: outputs and gradients") {
    GF_SKIP_WITHOUT_GPU("op_table");
    for_each_case([](const OpCase& c) { return c.checks.gpu; },
                  [](const OpCase& c) { test::check_on_gpu(c.what, c.run, c.inputs, test::kGpuRtol, c.constants); });
  }
}
