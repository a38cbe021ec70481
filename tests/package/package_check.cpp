// Built against an installed ganforge: one forward and backward pass.
#include <iostream>

#include "gf/gf.hpp"

int main() {
  gf::Tensor w = gf::ones({2}).requires_grad_();
  gf::sum(w * 3.0).backward();
  const float g = w.grad().to_vector<float>()[0];
  std::cout << "find_package(ganforge): d(sum 3w)/dw = " << g << "\n";
  return g == 3.0f ? 0 : 1;
}
