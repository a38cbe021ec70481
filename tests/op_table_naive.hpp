#pragma once
// Building blocks of the op table's naive references: element loops in double
// on the CPU, with broadcasting and dim bookkeeping spelled out. They use only
// core tensor views (expand, contiguous) and from_vector, never an op under test.
#include <cstdint>
#include <functional>
#include <vector>

#include "gf/gf.hpp"

namespace gf::test::naive {

/// The elements of `t` in row-major order, as doubles.
std::vector<double> values(const Tensor& t);

/// A float64 tensor of `shape` holding `v`.
Tensor tensor(const std::vector<double>& v, const Shape& shape);

/// f(x) element by element.
Tensor map(const Tensor& x, const std::function<double(double)>& f);

/// f(a, b) element by element after broadcasting a and b to a common shape.
Tensor zip(const Tensor& a, const Tensor& b, const std::function<double(double, double)>& f);

/// The row-major index of `position` (one coordinate per dim) in `shape`.
std::int64_t offset(const Shape& shape, const std::vector<std::int64_t>& position);

/// Calls f(position, i) for every element i of `shape` in row-major order.
void for_each_position(const Shape& shape,
                       const std::function<void(const std::vector<std::int64_t>&, std::int64_t)>& f);

/// Groups the elements of x by their coordinates outside `dims` (all dims
/// when `dims` is empty) and folds each group with `fold`; the reduced dims
/// are kept as size 1 when `keepdim`, else removed.
Tensor reduce(const Tensor& x, std::vector<std::int64_t> dims, bool keepdim,
              const std::function<double(const std::vector<double>&)>& fold);

double mean_of(const std::vector<double>& v);
/// Variance, dividing by n - 1 when `unbiased`, else by n.
double var_of(const std::vector<double>& v, bool unbiased);

}  // namespace gf::test::naive
