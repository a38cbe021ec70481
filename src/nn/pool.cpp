#include "gf/nn/pool.hpp"

#include "gf/ops/pool.hpp"

namespace gf::nn {

Tensor MaxPool2d::forward(const Tensor& x) { return max_pool2d(x, kernel, stride, padding); }
std::string MaxPool2d::extra_repr() const {
  return detail::concat("kernel_size=", kernel, ", stride=", stride ? stride : kernel, ", padding=", padding);
}

Tensor AvgPool2d::forward(const Tensor& x) { return avg_pool2d(x, kernel, stride, padding); }
std::string AvgPool2d::extra_repr() const {
  return detail::concat("kernel_size=", kernel, ", stride=", stride ? stride : kernel, ", padding=", padding);
}

}  // namespace gf::nn
