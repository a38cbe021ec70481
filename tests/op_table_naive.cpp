#include "op_table_naive.hpp"

#include <algorithm>

namespace gf::test::naive {

std::vector<double> values(const Tensor& t) { return t.detach().contiguous().to_vector<double>(); }

Tensor tensor(const std::vector<double>& v, const Shape& shape) { return from_vector<double>(v, shape); }

Tensor map(const Tensor& x, const std::function<double(double)>& f) {
  std::vector<double> v = values(x);
  for (double& e : v) e = f(e);
  return tensor(v, x.shape());
}

Tensor zip(const Tensor& a, const Tensor& b, const std::function<double(double, double)>& f) {
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), "naive::zip");
  const std::vector<double> va = values(a.expand(shape)), vb = values(b.expand(shape));
  std::vector<double> out(va.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = f(va[i], vb[i]);
  return tensor(out, shape);
}

std::int64_t offset(const Shape& shape, const std::vector<std::int64_t>& position) {
  std::int64_t i = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) i = i * shape[d] + position[d];
  return i;
}

void for_each_position(const Shape& shape,
                       const std::function<void(const std::vector<std::int64_t>&, std::int64_t)>& f) {
  std::vector<std::int64_t> position(shape.size(), 0);
  for (std::int64_t i = 0; i < shape.numel(); ++i) {
    f(position, i);
    for (std::size_t d = shape.size(); d-- > 0;) {  // odometer: the last dim turns fastest
      if (++position[d] < shape[d]) break;
      position[d] = 0;
    }
  }
}

Tensor reduce(const Tensor& x, std::vector<std::int64_t> dims, bool keepdim,
              const std::function<double(const std::vector<double>&)>& fold) {
  const Shape& shape = x.shape();
  if (dims.empty())
    for (std::int64_t d = 0; d < shape.dim(); ++d) dims.push_back(d);
  for (auto& d : dims) d = wrap_dim(d, shape.dim(), "naive::reduce");
  Shape kept = shape;
  for (auto d : dims) kept[static_cast<std::size_t>(d)] = 1;
  std::vector<std::vector<double>> groups(static_cast<std::size_t>(kept.numel()));
  const std::vector<double> v = values(x);
  for_each_position(shape, [&](const std::vector<std::int64_t>& position, std::int64_t i) {
    std::vector<std::int64_t> group = position;
    for (auto d : dims) group[static_cast<std::size_t>(d)] = 0;
    groups[static_cast<std::size_t>(offset(kept, group))].push_back(v[static_cast<std::size_t>(i)]);
  });
  std::vector<double> out;
  for (const auto& g : groups) out.push_back(fold(g));
  if (keepdim) return tensor(out, kept);
  Shape removed;
  for (std::int64_t d = 0; d < shape.dim(); ++d)
    if (std::find(dims.begin(), dims.end(), d) == dims.end()) removed.push_back(shape[static_cast<std::size_t>(d)]);
  return tensor(out, removed);
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double e : v) s += e;
  return s / static_cast<double>(v.size());
}

double var_of(const std::vector<double>& v, bool unbiased) {
  const double m = mean_of(v);
  double ss = 0;
  for (double e : v) ss += (e - m) * (e - m);
  return ss / static_cast<double>(v.size() - (unbiased ? 1 : 0));
}

}  // namespace gf::test::naive
