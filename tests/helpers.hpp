#pragma once
// Shared test utilities: closeness checks with messages that say where.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "gf/gf.hpp"

namespace gf::test {

/// Max |a - b| / (atol + rtol |b|) over all elements; <= 1 means close.
inline std::string compare(const Tensor& a, const Tensor& b, double rtol, double atol) {
  if (a.shape() != b.shape()) return "shape " + a.shape().str() + " vs " + b.shape().str();
  const auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  for (std::size_t i = 0; i < va.size(); ++i) {
    const double tol = atol + rtol * std::abs(vb[i]);
    if (!(std::abs(va[i] - vb[i]) <= tol)) {
      std::ostringstream os;
      os << "element " << i << ": " << va[i] << " vs " << vb[i] << " (tol " << tol << ")";
      return os.str();
    }
  }
  return "";
}

}  // namespace gf::test

/// CHECK that two tensors have the same shape and close values.
#define GF_CHECK_CLOSE(a, b, rtol, atol)                              \
  do {                                                                \
    const std::string gf_msg_ = ::gf::test::compare((a), (b), (rtol), (atol)); \
    CHECK_MESSAGE(gf_msg_.empty(), gf_msg_);                           \
  } while (0)

/// CHECK that gradcheck passes, printing its report when it does not.
#define GF_CHECK_GRAD(fn, inputs)                          \
  do {                                                     \
    const auto gf_r_ = ::gf::gradcheck((fn), (inputs));    \
    CHECK_MESSAGE(gf_r_.ok, gf_r_.report);                 \
  } while (0)
