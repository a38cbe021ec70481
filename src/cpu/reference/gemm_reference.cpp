#include "cpu/reference/gemm_reference.hpp"

namespace gf::cpu::reference {

template <typename T>
void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a,
          std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc) {
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (std::int64_t p = 0; p < k; ++p) {
        const T aip = trans_a ? a[p * lda + i] : a[i * lda + p];
        const T bpj = trans_b ? b[j * ldb + p] : b[p * ldb + j];
        acc += static_cast<double>(aip) * static_cast<double>(bpj);
      }
      T& cij = c[i * ldc + j];
      cij = static_cast<T>(alpha * acc + (beta == T(0) ? 0.0 : static_cast<double>(beta) * cij));
    }
  }
}

template void gemm<float>(bool, bool, std::int64_t, std::int64_t, std::int64_t, float, const float*, std::int64_t,
                          const float*, std::int64_t, float, float*, std::int64_t);
template void gemm<double>(bool, bool, std::int64_t, std::int64_t, std::int64_t, double, const double*,
                           std::int64_t, const double*, std::int64_t, double, double*, std::int64_t);

}  // namespace gf::cpu::reference
