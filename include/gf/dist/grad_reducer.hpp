#pragma once
// GradReducer: averages the gradients of a set of parameters over all ranks,
// in buckets, each sent while backward is still computing the others.
//
// One all-reduce per parameter would pay the per-message latency dozens of
// times a step; one for all of them could start only after backward ends.
// So the parameters are grouped into buckets of about 25 MB, last layer
// first (backward produces gradients roughly in reverse order of the
// forward pass). When the last gradient of a bucket has been accumulated
// (a hook on the autograd engine's AccumulateGrad), the bucket is copied into
// one flat buffer and its non-blocking all-reduce starts; backward goes on
// with the earlier layers meanwhile. finish() starts what is left, waits, and
// writes the averages back into the parameters' .grad().
//
//   GradReducer reducer(model.parameters(), comm);
//   reducer.prepare();      // arm the hooks
//   loss.backward();        // buckets start as their gradients arrive
//   reducer.finish();       // every rank now holds the same mean gradient
//   optimizer.step();
//
// Buckets start in a fixed order (bucket b only after b - 1), so every rank
// issues the same collectives in the same order, as MPI and NCCL require.
#include <cstdint>
#include <memory>
#include <vector>

#include "gf/core/tensor.hpp"
#include "gf/dist/communicator.hpp"

namespace gf::dist {

/// What the last prepare() .. finish() window did.
struct ReducerStats {
  std::int64_t bytes = 0;          // gradient bytes all-reduced
  int buckets = 0;                 // collectives issued
  int started_in_backward = 0;     // of which the hooks started before finish()
  double window_s = 0;             // first bucket started -> finish() called: backward left to overlap with
  double wait_s = 0;               // inside finish(): starting the rest and waiting (communication not hidden)
};

class GradReducer {
 public:
  static constexpr std::int64_t kDefaultBucketBytes = 25 << 20;

  /// `parameters` must be the same list, in the same order, on every rank.
  GradReducer(std::vector<Tensor> parameters, std::shared_ptr<Communicator> comm,
              std::int64_t bucket_bytes = kDefaultBucketBytes);
  ~GradReducer();
  GradReducer(const GradReducer&) = delete;
  GradReducer& operator=(const GradReducer&) = delete;

  /// Arms the hooks for the next backward. Gradients accumulated while not
  /// armed (D's during G's step, say) are left alone.
  void prepare();
  /// Starts the buckets backward did not complete, waits for all, and
  /// replaces every .grad() by the mean over the ranks. A parameter that got
  /// no gradient on this rank counts as zeros (so every rank sends the same
  /// buckets). Disarms the hooks.
  void finish();

  int num_buckets() const;
  /// Parameters per bucket, in the order the buckets are sent.
  std::vector<int> bucket_sizes() const;
  const ReducerStats& stats() const;

 private:
  struct State;
  std::shared_ptr<State> state_;  // the hooks hold it weakly
};

}  // namespace gf::dist
