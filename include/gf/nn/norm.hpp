#pragma once
// Normalisation layers (see gf::batch_norm and gf::instance_norm).
#include <cstdint>
#include <memory>

#include "gf/dist/communicator.hpp"
#include "gf/nn/module.hpp"

namespace gf::nn {

/// Batch norm over (N, C, H, W), or (N, C). Training normalises with the
/// batch's statistics and updates the running ones; eval uses the running
/// ones. Without track_running_stats it always uses batch statistics.
/// gamma starts at 1, beta at 0.
class BatchNorm2d : public Module {
 public:
  /// BatchNorm2d({.features = 64}); PyTorch's defaults otherwise.
  struct Options {
    std::int64_t features = 0;
    double eps = 1e-5, momentum = 0.1;
    bool affine = true, track_running_stats = true;
  };
  explicit BatchNorm2d(const Options& options);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "BatchNorm2d"; }
  std::string extra_repr() const override;

  const std::int64_t num_features;
  const double eps, momentum;
  Tensor weight;               // (C,) gamma, or undefined without affine
  Tensor bias;                 // (C,) beta, or undefined without affine
  Tensor running_mean;         // (C,) buffer, starts at 0
  Tensor running_var;          // (C,) buffer, starts at 1
  Tensor num_batches_tracked;  // () int64 buffer, kept for PyTorch-compatible checkpoints
  /// Data parallel: when set, training takes the batch statistics over every
  /// rank of this communicator (gf::dist::sync_batch_norm); null: this
  /// process's batch only. Not saved: a checkpoint is the same either way.
  std::shared_ptr<dist::Communicator> sync;
};

/// Instance norm over (N, C, H, W): each plane normalised on its own, in
/// training and eval alike (no running statistics). Optional affine.
class InstanceNorm2d : public Module {
 public:
  /// InstanceNorm2d({.features = 32, .affine = true}); PyTorch's defaults otherwise.
  struct Options {
    std::int64_t features = 0;
    double eps = 1e-5;
    bool affine = false;
  };
  explicit InstanceNorm2d(const Options& options);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "InstanceNorm2d"; }
  std::string extra_repr() const override;

  const std::int64_t num_features;
  const double eps;
  Tensor weight;  // (C,) or undefined
  Tensor bias;    // (C,) or undefined
};

}  // namespace gf::nn
