#pragma once
// The kernels of gf::sort, on rows: the op moves the sorted dim last and
// makes the tensor contiguous, so every kernel sees (rows, k).
#include "gf/core/tensor.hpp"

namespace gf::cpu {

/// values[r, :] = x[r, :] in ascending order (descending if asked), stable:
/// equal values keep their order; NaNs last. indices[r, j] (int64) is where
/// values[r, j] was in x[r, :]. x, values (rows, k) of one dtype; indices (rows, k).
void sort_rows(const Tensor& values, const Tensor& indices, const Tensor& x, bool descending);

/// out[r, index[r, j]] = src[r, j]: sends each element back to where sort
/// found it (index holds a permutation of 0..k-1 in every row).
void unsort_rows(const Tensor& out, const Tensor& src, const Tensor& index);

}  // namespace gf::cpu
