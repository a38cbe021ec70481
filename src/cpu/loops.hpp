#pragma once
// Strided loops shared by the CPU elementwise kernels.
//
// An elementwise kernel sees K operands (the output first), each a pointer plus
// strides over one common shape; broadcast operands have stride 0 where they
// are stretched. Dims that are contiguous for every operand are merged, so a
// contiguous tensor becomes a single row and the inner loop vectorises.
#include <array>
#include <tuple>
#include <utility>
#include <cstdint>

#include "gf/core/parallel.hpp"
#include "gf/core/tensor.hpp"
#include "kernels/layout.hpp"

namespace gf::cpu {

using kernels::broadcast_strides;
using kernels::coalesce;
using kernels::StridedLayout;

/// Calls row(offsets, inner_strides, n) for each innermost row, where
/// offsets[k] is operand k's element offset of the row start. Rows are split
/// over threads when the total work is large.
template <std::size_t K, typename Row>
void for_each_row(const StridedLayout<K>& L, Row&& row) {
  if (L.shape.numel() == 0) return;  // an empty tensor: no rows to visit
  const std::int64_t nd = L.shape.dim();
  const std::int64_t inner = L.shape.back();
  const std::int64_t rows = L.shape.numel() / inner;
  std::array<std::int64_t, K> inner_strides;
  for (std::size_t k = 0; k < K; ++k) inner_strides[k] = L.strides[k].back();
  const std::int64_t grain = std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(inner, 1));
  auto run = [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) {
      std::array<std::int64_t, K> off{};
      std::int64_t rem = r;
      for (std::int64_t d = nd - 2; d >= 0; --d) {
        const std::int64_t i = rem % L.shape[d];
        rem /= L.shape[d];
        for (std::size_t k = 0; k < K; ++k) off[k] += i * L.strides[k][d];
      }
      row(off, inner_strides, inner);
    }
  };
  if (rows == 1 && inner > 65536) {
    // One long row: split it instead.
    parallel_for(0, inner, 32768, [&](std::int64_t i0, std::int64_t i1) {
      std::array<std::int64_t, K> off;
      for (std::size_t k = 0; k < K; ++k) off[k] = i0 * inner_strides[k];
      row(off, inner_strides, i1 - i0);
    });
  } else {
    parallel_for(0, rows, grain, run);
  }
}

/// out[i] = f(in[i]...) over a common shape; `out` must be freshly allocated
/// (contiguous) or any writable view, inputs are broadcast to out's shape.
template <typename TOut, typename... TIn, typename F, typename... Inputs>
void map_kernel(const Tensor& out, F f, const Inputs&... inputs) {
  static_assert(sizeof...(TIn) == sizeof...(Inputs), "one element type per input tensor");
  constexpr std::size_t K = 1 + sizeof...(TIn);
  const Shape& shape = out.shape();
  const StridedLayout<K> L = coalesce<K>(shape, {out.strides(), broadcast_strides(inputs, shape)...});
  TOut* po = out.data<TOut>();
  const std::tuple<const TIn*...> pin{inputs.template data<TIn>()...};
  for_each_row<K>(L, [&](const std::array<std::int64_t, K>& off, const std::array<std::int64_t, K>& st,
                         std::int64_t n) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      // A local copy of the functor: its captured constants (a slope, a
      // scalar) then cannot alias the output, so the loop vectorises.
      const F fn = f;
      TOut* o = po + off[0];
      std::tuple<const TIn*...> p{(std::get<I>(pin) + off[I + 1])...};
      const bool unit = st[0] == 1 && ((st[I + 1] == 1) && ...);
      if (unit) {
        for (std::int64_t i = 0; i < n; ++i) o[i] = fn(std::get<I>(p)[i]...);
      } else {
        for (std::int64_t i = 0; i < n; ++i) o[i * st[0]] = fn(std::get<I>(p)[i * st[I + 1]]...);
      }
    }(std::index_sequence_for<TIn...>{});
  });
}

}  // namespace gf::cpu
