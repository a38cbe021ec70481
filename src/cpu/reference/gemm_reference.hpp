#pragma once
// Naive twin of cpu::gemm (same signature and meaning), for tests: three
// plain loops with a double accumulator, obviously right and slow.
#include <cstdint>

namespace gf::cpu::reference {

template <typename T>
void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha, const T* a,
          std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c, std::int64_t ldc);

}  // namespace gf::cpu::reference
