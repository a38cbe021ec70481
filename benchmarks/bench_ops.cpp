// One benchmark per row of the op table (tests/op_table.hpp): every public
// op's forward pass on its largest case (most input elements), no grad
// recorded, float32 on the CPU. The table's tests check these same cases, so
// a new op is timed as soon as it is checked. Each result's label names the case.
//
//   build/benchmarks/bench_ops --benchmark_filter='conv2d'
#include "op_table.hpp"
#include "report.hpp"

namespace {

using gf::test::OpCase;

std::int64_t input_elements(const OpCase& c) {
  std::int64_t n = 0;
  for (const gf::Tensor& t : c.inputs) n += t.defined() ? t.numel() : 0;
  return n;
}

void time_case(benchmark::State& state, const OpCase* c) {
  gf::NoGradGuard no_grad;
  gf::Tensor y = c->run(c->inputs);  // warm-up
  for (auto _ : state) {
    y = c->run(c->inputs);
    benchmark::ClobberMemory();
  }
  state.SetLabel(c->what);
}

void register_all() {
  for (const gf::test::OpRow& row : gf::test::op_table()) {
    const OpCase* largest = &row.cases.front();
    for (const OpCase& c : row.cases)
      if (input_elements(c) > input_elements(*largest)) largest = &c;
    benchmark::RegisterBenchmark(("ops/" + row.op).c_str(), time_case, largest)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
  }
}

}  // namespace

int main(int argc, char** argv) { return gf::bench::run_benchmarks(argc, argv, register_all); }
