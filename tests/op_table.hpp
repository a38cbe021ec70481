#pragma once
// The op table: one row per public op (include/gf/ops/*.hpp), each with the
// inputs and parameters to try it on, a call of our op and a naive reference.
// Every per-op check is generated from it (tests/test_op_table.cpp):
//
//   forward   our op in float64 and float32 against the naive reference
//   grad      float64 gradcheck of every floating input not marked constant
//   gpu       CUDA against CPU, outputs and gradients (skipped without a GPU)
//
// and benchmarks/bench_ops.cpp times every row. A test asserts that every
// public op has a row, so a new op cannot arrive unchecked.
//
//   gradgrad  float64 gradgradcheck (double backward, issue 15) of every case
//             whose op's backward is made of recorded ops; a case marked
//             first-order only must say so by throwing under create_graph
//
// A new check is one more flag in Checks and one more TEST_CASE in
// test_op_table.cpp that walks the table.
#include <set>
#include <string>
#include <vector>

#include "draw.hpp"

namespace gf::test {

/// Which generated checks apply to a case; all by default.
struct Checks {
  bool forward = true;
  bool grad = true;
  bool gpu = true;
  /// false: the op's backward runs kernels, not recorded ops, so a gradient
  /// through it cannot be differentiated again (the test checks that
  /// create_graph through it throws, naming the op).
  bool gradgrad = true;
};

/// One way of calling an op: a label, its inputs and how to run it.
struct OpCase {
  std::string what;  // "stride 2 pad 1 (DCGAN D)"
  Inputs inputs;     // float32 (or int64 labels) CPU tensors; undefined = an optional input left out
  OpFn run;          // our op on those inputs
  OpFn reference;    // the same result by naive loops, in double on the CPU
  Checks checks = {};
  std::set<std::size_t> constants = {};  // inputs that take no gradient (targets, running statistics)
  double float32_rtol = 1e-4;            // forward, float32: of each element and of the largest |reference|
};

/// Every case of one public op, under the op's name as declared.
struct OpRow {
  std::string op;  // "conv2d"
  std::vector<OpCase> cases;
};

/// `row` with every case marked first-order only (Checks::gradgrad false).
inline OpRow first_order_only(OpRow row) {
  for (OpCase& c : row.cases) c.checks.gradgrad = false;
  return row;
}

/// The table, built once: rows in the order of include/gf/ops/ (elementwise,
/// reduce, linalg, conv, norm, pool, shape, sort, loss, dropout, optim).
const std::vector<OpRow>& op_table();

/// gradcheck perturbs every input element twice: larger cases are checked
/// forward and on the GPU only (each row has smaller cases for gradcheck).
inline constexpr std::int64_t kGradcheckMaxElements = 2000;
/// gradgradcheck differentiates a whole backward per perturbed element: smaller still.
inline constexpr std::int64_t kGradgradcheckMaxElements = 400;

// The rows of each family (tests/op_table_<family>.cpp), which op_table() joins.
std::vector<OpRow> elementwise_rows();
std::vector<OpRow> reduce_rows();
std::vector<OpRow> linalg_conv_rows();
std::vector<OpRow> norm_pool_rows();
std::vector<OpRow> shape_sort_rows();
std::vector<OpRow> loss_dropout_optim_rows();

}  // namespace gf::test
