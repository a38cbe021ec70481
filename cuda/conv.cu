// cuDNN convolutions: twins of src/cpu/conv.cpp, the three kernels behind
// conv2d and conv_transpose2d (forward, input gradient, weight gradient).
//
// Each call describes its problem to cuDNN (cuda/cudnn_descriptors.cuh) and
// runs one of cuDNN's algorithms for it. Which one is decided once per
// problem and cached under its full signature (ConvKey: pass, dtype, every
// dim, padding, stride, dilation, groups, and the deterministic and TF32
// switches, which change what is allowed):
//   - normally cuDNN times every algorithm on the real tensors
//     (cudnnFind*AlgorithmEx) with a search workspace of at most
//     kWorkspaceCap bytes from the caching allocator, and the list is kept
//     fastest first;
//   - in gf::deterministic() mode the list comes from cuDNN's heuristics
//     (cudnnGet*Algorithm_v7), which depend only on the problem and the GPU,
//     not on timing noise, and keeps only algorithms cuDNN marks
//     CUDNN_DETERMINISTIC: the same run gives the same bits every time.
// A call then takes the first algorithm on the list whose workspace the
// allocator can give, falling back to the next one when memory is short.
//
// Float32 runs with CUDNN_FMA_MATH (exact float32, like the CPU) unless
// gf::allow_tf32() lets cuDNN use TF32 tensor cores.
#include <algorithm>
#include <compare>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "cuda/allocator.cuh"
#include "cuda/cudnn_descriptors.cuh"
#include "kernels/kernels.hpp"
#include "cuda/loops.cuh"
#include "gf/core/cuda_info.hpp"
#include "gf/core/determinism.hpp"

namespace gf::cuda {
namespace {

// The most workspace an algorithm may use: cuDNN's fastest algorithms often
// want a few MiB to a few hundred MiB; beyond this the memory is better left
// to activations.
constexpr std::size_t kWorkspaceCap = std::size_t{256} << 20;

enum class Pass { kForward, kBackwardData, kBackwardFilter };

const char* pass_name(Pass pass) {
  switch (pass) {
    case Pass::kForward:
      return "forward";
    case Pass::kBackwardData:
      return "backward-data";
    case Pass::kBackwardFilter:
      return "backward-filter";
  }
  return "?";
}

/// Everything that decides which algorithms are best and allowed: the key of
/// the algorithm cache. x (n, c_in, h, w), w (c_out, c_in / groups, k_h, k_w),
/// y (n, c_out, out_h, out_w).
struct ConvKey {
  int device;
  DType dtype;
  Pass pass;
  std::int64_t n, c_in, h, w, c_out, k_h, k_w, out_h, out_w;
  std::int64_t pad_h, pad_w, stride_h, stride_w, dilation_h, dilation_w, groups;
  bool deterministic, tf32;
  auto operator<=>(const ConvKey&) const = default;

  /// Float32 that must stay exact float32: no tensor-core math.
  bool exact_float() const { return dtype == DType::kFloat32 && !tf32; }
};

ConvKey make_key(Pass pass, const Tensor& x, const Tensor& w, const Shape& y, const Conv2dParams& p) {
  return {x.device().index, x.dtype(), pass, x.size(0), x.size(1), x.size(2), x.size(3), w.size(0), w.size(2),
          w.size(3), y[2], y[3], p.pad_h, p.pad_w, p.stride_h, p.stride_w, p.dilation_h, p.dilation_w,
          p.groups, deterministic(), allow_tf32()};
}

std::string describe(const ConvKey& k) {
  return detail::concat("conv2d ", pass_name(k.pass), " (cuda): x (", k.n, ", ", k.c_in, ", ", k.h, ", ", k.w,
                        "), weight (", k.c_out, ", ", k.c_in / k.groups, ", ", k.k_h, ", ", k.k_w, "), y (", k.n,
                        ", ", k.c_out, ", ", k.out_h, ", ", k.out_w, "), stride (", k.stride_h, ", ", k.stride_w,
                        "), pad (", k.pad_h, ", ", k.pad_w, "), dilation (", k.dilation_h, ", ", k.dilation_w,
                        "), groups ", k.groups, ", ", k.dtype, k.deterministic ? ", deterministic" : "");
}

/// One algorithm cuDNN offers for a problem.
struct Algo {
  int algo;               // a cudnnConvolution{Fwd,BwdData,BwdFilter}Algo_t
  std::size_t workspace;  // bytes of scratch it needs
  cudnnMathType_t math;   // the math type it was measured with
};

/// The math type a search runs with: exact float32 FMA, or cuDNN's default,
/// which lets it use TF32 tensor cores on Ampere and later.
cudnnMathType_t search_math(const ConvKey& key) { return key.exact_float() ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH; }

/// The algorithms of a search result that this problem may use, in cuDNN's
/// order (fastest first): they ran (or are supported), fit `workspace_cap`,
/// are deterministic when that is asked for, and never down-convert float32
/// (no tensor-op math for exact float32, never CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION).
template <typename Perf>
std::vector<Algo> usable(const std::vector<Perf>& results, std::size_t workspace_cap, const ConvKey& key) {
  std::vector<Algo> algos;
  for (const Perf& r : results) {
    if (r.status != CUDNN_STATUS_SUCCESS || r.memory > workspace_cap) continue;
    if (key.deterministic && r.determinism != CUDNN_DETERMINISTIC) continue;
    if (r.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) continue;
    if (key.exact_float() && r.mathType == CUDNN_TENSOR_OP_MATH) continue;
    algos.push_back({static_cast<int>(r.algo), r.memory, r.mathType});
  }
  GF_CHECK(!algos.empty(), describe(key), ": cuDNN offers no usable algorithm (of ", results.size(),
           " candidates, none succeeded within ", workspace_cap, " bytes of workspace",
           key.deterministic ? " and deterministic" : "", ")");
  return algos;
}

/// The search workspace: kWorkspaceCap bytes, or as much below it as the
/// allocator can give. It goes back to the allocator's cache afterwards,
/// where the next problem's search finds it.
DeviceBuffer search_workspace(int device) {
  for (std::size_t bytes = kWorkspaceCap;; bytes /= 2) {
    try {
      return DeviceBuffer(device, bytes);
    } catch (const Error&) {
      if (bytes < (std::size_t{1} << 20)) return DeviceBuffer(device, 0);  // algorithms without workspace only
    }
  }
}

/// How one pass asks cuDNN for candidates: its _v7 heuristic query and its
/// timed Find*Ex search, both filling `results` and `returned`.
template <typename Perf, typename Heuristic, typename Measure>
std::vector<Algo> search(const ConvKey& key, int max_count, Heuristic heuristic, Measure measure) {
  std::vector<Perf> results(static_cast<std::size_t>(std::max(max_count, 1)));
  int returned = 0;
  std::size_t cap = kWorkspaceCap;
  if (key.deterministic) {
    heuristic(max_count, &returned, results.data());
  } else {
    DeviceBuffer workspace = search_workspace(key.device);
    cap = workspace.bytes();
    measure(max_count, &returned, results.data(), workspace.data(), workspace.bytes());
  }
  results.resize(static_cast<std::size_t>(returned));
  return usable(results, cap, key);
}

// The algorithm cache: every problem seen so far, with its usable algorithms.
std::mutex cache_mutex;
std::map<ConvKey, std::vector<Algo>> cache;

/// The cached algorithm list of `key`, searched with `find` on first use.
template <typename Find>
std::vector<Algo> algorithms(const ConvKey& key, ConvolutionDescriptor& conv, Find find) {
  std::lock_guard<std::mutex> lock(cache_mutex);
  auto it = cache.find(key);
  if (it == cache.end()) {
    conv.set_math_type(search_math(key));
    it = cache.emplace(key, find()).first;
  }
  return it->second;
}

/// Runs `run(algo, workspace, bytes)` with the first algorithm of the list
/// whose workspace the allocator can give.
template <typename Find, typename Run>
void run_pass(const ConvKey& key, ConvolutionDescriptor& conv, Find find, Run run) {
  std::string shortage;
  for (const Algo& a : algorithms(key, conv, find)) {
    std::optional<DeviceBuffer> workspace;
    try {
      workspace.emplace(key.device, a.workspace);
    } catch (const Error& e) {  // out of memory: an algorithm further down may need less
      shortage = e.what();
      continue;
    }
    conv.set_math_type(key.exact_float() ? CUDNN_FMA_MATH : a.math);
    run(a.algo, workspace->data(), workspace->bytes());
    return;
  }
  throw Error(detail::concat(describe(key), ": no algorithm could get its workspace: ", shortage));
}

// ---- sizes -------------------------------------------------------------------
//
// The CPU kernels take every size from the tensors, and conv_transpose2d
// relies on it: with output_padding >= stride (allowed while it is below the
// dilation) its output, the x of the convolution, has rows that no window of
// y reaches, so y is smaller than the convolution formula gives for x. cuDNN
// requires y to be exactly that size. A y that is read (an output gradient)
// is therefore padded with zero rows and columns at the bottom and right,
// which add nothing; a y that is written is computed whole in scratch memory
// and its top-left part copied out. Both happen only in that rare case.

/// The (N, C_out, H_out, W_out) cuDNN requires for y, checked against y.
Shape cudnn_y_shape(const Tensor& x, const Tensor& w, const Tensor& y, const Conv2dParams& p) {
  const std::int64_t out_h = (x.size(2) + 2 * p.pad_h - p.dilation_h * (w.size(2) - 1) - 1) / p.stride_h + 1;
  const std::int64_t out_w = (x.size(3) + 2 * p.pad_w - p.dilation_w * (w.size(3) - 1) - 1) / p.stride_w + 1;
  GF_CHECK(x.is_contiguous() && w.is_contiguous() && y.is_contiguous(),
           "conv2d kernels (cuda): tensors must be contiguous");
  GF_CHECK(y.size(2) <= out_h && y.size(3) <= out_w, "conv2d kernels (cuda): y ", y.shape(), " is larger than the (",
           out_h, ", ", out_w, ") its input ", x.shape(), " gives with kernel ", w.shape());
  return {y.size(0), y.size(1), out_h, out_w};
}

/// The top-left (N, C, h, w) part of `full` that has `part`'s shape.
Tensor top_left(const Tensor& full, const Tensor& part) {
  return full.narrow(2, 0, part.size(2)).narrow(3, 0, part.size(3));
}

/// `y` itself when it has the shape cuDNN wants, else a zero tensor of that
/// shape holding y in its top-left part.
Tensor padded(const Tensor& y, const Shape& shape) {
  if (y.shape() == shape) return y;
  Tensor full = Tensor::empty(shape, {y.dtype(), y.device()});
  cuda::fill(full, 0.0);
  cuda::copy(top_left(full, y), y);
  return full;
}

}  // namespace

void conv2d_forward(const Tensor& y, const Tensor& x, const Tensor& w, const Conv2dParams& p) {
  if (y.numel() == 0) return;
  if (x.numel() == 0 || w.numel() == 0) {  // an empty sum
    cuda::fill(y, 0.0);
    return;
  }
  DeviceGuard guard(y);
  const Shape shape = cudnn_y_shape(x, w, y, p);
  const Tensor out = y.shape() == shape ? y : Tensor::empty(shape, {y.dtype(), y.device()});
  const ConvKey key = make_key(Pass::kForward, x, w, shape, p);
  const TensorDescriptor xd(x), yd(out);
  const FilterDescriptor wd(w);
  ConvolutionDescriptor conv(p, x.dtype());
  cudnnHandle_t h = cudnn(key.device);
  auto find = [&] {
    int max_count = 0;
    GF_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithmMaxCount(h, &max_count));
    return search<cudnnConvolutionFwdAlgoPerf_t>(
        key, max_count,
        [&](int count, int* returned, cudnnConvolutionFwdAlgoPerf_t* results) {
          GF_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(h, xd, wd, conv, yd, count, returned, results));
        },
        [&](int count, int* returned, cudnnConvolutionFwdAlgoPerf_t* results, void* ws, std::size_t bytes) {
          GF_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(h, xd, x.raw_data(), wd, w.raw_data(), conv, yd,
                                                                out.raw_data(), count, returned, results, ws, bytes));
        });
  };
  run_pass(key, conv, find, [&](int algo, void* ws, std::size_t bytes) {
    GF_CUDNN_CHECK(cudnnConvolutionForward(h, cudnn_one(x.dtype()), xd, x.raw_data(), wd, w.raw_data(), conv,
                                           static_cast<cudnnConvolutionFwdAlgo_t>(algo), ws, bytes,
                                           cudnn_zero(x.dtype()), yd, out.raw_data()));
  });
  if (!out.is_same(y)) cuda::copy(y, top_left(out, y));
}

void conv2d_backward_input(const Tensor& gx, const Tensor& gy, const Tensor& w, const Conv2dParams& p) {
  if (gx.numel() == 0) return;
  if (gy.numel() == 0 || w.numel() == 0) {
    cuda::fill(gx, 0.0);
    return;
  }
  DeviceGuard guard(gx);
  const Tensor g = padded(gy, cudnn_y_shape(gx, w, gy, p));
  const ConvKey key = make_key(Pass::kBackwardData, gx, w, g.shape(), p);
  const TensorDescriptor dxd(gx), dyd(g);
  const FilterDescriptor wd(w);
  ConvolutionDescriptor conv(p, gx.dtype());
  cudnnHandle_t h = cudnn(key.device);
  auto find = [&] {
    int max_count = 0;
    GF_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(h, &max_count));
    return search<cudnnConvolutionBwdDataAlgoPerf_t>(
        key, max_count,
        [&](int count, int* returned, cudnnConvolutionBwdDataAlgoPerf_t* results) {
          GF_CUDNN_CHECK(
              cudnnGetConvolutionBackwardDataAlgorithm_v7(h, wd, dyd, conv, dxd, count, returned, results));
        },
        [&](int count, int* returned, cudnnConvolutionBwdDataAlgoPerf_t* results, void* ws, std::size_t bytes) {
          GF_CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(h, wd, w.raw_data(), dyd, g.raw_data(), conv,
                                                                     dxd, gx.raw_data(), count, returned, results,
                                                                     ws, bytes));
        });
  };
  run_pass(key, conv, find, [&](int algo, void* ws, std::size_t bytes) {
    GF_CUDNN_CHECK(cudnnConvolutionBackwardData(h, cudnn_one(gx.dtype()), wd, w.raw_data(), dyd, g.raw_data(), conv,
                                                static_cast<cudnnConvolutionBwdDataAlgo_t>(algo), ws, bytes,
                                                cudnn_zero(gx.dtype()), dxd, gx.raw_data()));
  });
}

void conv2d_backward_weight(const Tensor& gw, const Tensor& x, const Tensor& gy, const Conv2dParams& p) {
  if (gw.numel() == 0) return;
  if (x.numel() == 0 || gy.numel() == 0) {
    cuda::fill(gw, 0.0);
    return;
  }
  DeviceGuard guard(gw);
  const Tensor g = padded(gy, cudnn_y_shape(x, gw, gy, p));
  const ConvKey key = make_key(Pass::kBackwardFilter, x, gw, g.shape(), p);
  const TensorDescriptor xd(x), dyd(g);
  const FilterDescriptor dwd(gw);
  ConvolutionDescriptor conv(p, x.dtype());
  cudnnHandle_t h = cudnn(key.device);
  auto find = [&] {
    int max_count = 0;
    GF_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(h, &max_count));
    return search<cudnnConvolutionBwdFilterAlgoPerf_t>(
        key, max_count,
        [&](int count, int* returned, cudnnConvolutionBwdFilterAlgoPerf_t* results) {
          GF_CUDNN_CHECK(
              cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, xd, dyd, conv, dwd, count, returned, results));
        },
        [&](int count, int* returned, cudnnConvolutionBwdFilterAlgoPerf_t* results, void* ws, std::size_t bytes) {
          GF_CUDNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithmEx(h, xd, x.raw_data(), dyd, g.raw_data(), conv,
                                                                       dwd, gw.raw_data(), count, returned, results,
                                                                       ws, bytes));
        });
  };
  run_pass(key, conv, find, [&](int algo, void* ws, std::size_t bytes) {
    GF_CUDNN_CHECK(cudnnConvolutionBackwardFilter(h, cudnn_one(x.dtype()), xd, x.raw_data(), dyd, g.raw_data(), conv,
                                                  static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo), ws, bytes,
                                                  cudnn_zero(x.dtype()), dwd, gw.raw_data()));
  });
}

}  // namespace gf::cuda
