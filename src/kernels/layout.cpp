#include "kernels/layout.hpp"

namespace gf::kernels {

ReduceLayout split_dims(const Tensor& x, const std::vector<std::int64_t>& dims) {
  std::vector<bool> reduce(static_cast<std::size_t>(x.dim()), false);
  for (auto d : dims) reduce[static_cast<std::size_t>(d)] = true;
  Shape ks, kst, rs, rst;
  for (std::int64_t d = 0; d < x.dim(); ++d) {
    auto& s = reduce[static_cast<std::size_t>(d)] ? rs : ks;
    auto& st = reduce[static_cast<std::size_t>(d)] ? rst : kst;
    s.push_back(x.size(d));
    st.push_back(x.stride(d));
  }
  ReduceLayout L;
  L.kept = coalesce<1>(ks, {kst});
  L.reduced = coalesce<1>(rs, {rst});
  L.outer = ks.numel();
  L.inner = rs.numel();
  return L;
}

}  // namespace gf::kernels
