#pragma once
// Random test inputs from one seeded stream, and the shape of a function of
// several tensors: shared by the op table (op_table.hpp), its tests, its
// benchmark and the CUDA suites. No doctest here, so benchmarks can use it.
#include <cstdint>
#include <functional>
#include <vector>

#include "gf/gf.hpp"

namespace gf::test {

/// Random CPU inputs from one seeded stream: every run draws the same tensors.
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : gen_(seed) {}
  Tensor normal(const Shape& shape) { return randn(shape, {}, &gen_); }
  Tensor uniform(const Shape& shape, double lo, double hi) { return add(mul(rand(shape, {}, &gen_), hi - lo), lo); }
  Tensor labels(const Shape& shape, std::int64_t classes) { return randint(0, classes, shape, {DType::kInt64}, &gen_); }

 private:
  Rng gen_;
};

using Inputs = std::vector<Tensor>;
using OpFn = std::function<Tensor(const Inputs&)>;

}  // namespace gf::test
