#pragma once
// GanTrainer: one DCGAN training step, its state, and its checkpoints.
//
// A step, in the order Radford et al. / the PyTorch DCGAN example run it:
//   1. z ~ N(0, I); fake = G(z)                       (labels: the real batch's, if conditional)
//   2. D step:  L_D = loss(D(real), D(fake.detach())); backward; Adam step on D
//               (detach: D's loss must not push gradients into G)
//   3. G step:  L_G = loss(D(fake)); backward through D into G; Adam step on G
//               (D's parameters get gradients too; they are cleared before D's next step)
//   4. EMA:     G_ema <- decay G_ema + (1 - decay) G   (sampling uses G_ema)
// Gradient penalties (gradient_penalty.hpp) join L_D in step 2: WGAN-GP's on
// interpolates between the real batch and the detached fakes (gp_lambda > 0),
// R1 on the real batch (r1_gamma > 0; every r1_every-th step, weighted by
// r1_every: lazy R1). DiffAugment (diff_augment.hpp), when on, puts its
// random transform T before every call of D: D(T(real)) and D(T(fake)) in
// step 2, the penalties on T's outputs, D(T(fake)) in step 3, with T's draws
// from the noise generator. With n_critic > 1 (WGAN-GP's 5 critic steps per
// generator step) steps 3 and 4 run only on every n_critic-th call; each call
// is one D step on its own real batch.
// A loss that is NaN or Inf stops the step before that loss updates any
// weight, with a NonFiniteLoss naming the step and the loss, so the caller can
// save the last good (finite) state.
//
// Everything that influences the next step is in the checkpoint: G, D, G_ema
// (parameters and batch-norm statistics), both Adam states, the step count,
// the noise generator's state, the fixed sampling noise and the configuration.
// On the CPU with the same seed, N steps + save + load + N steps gives exactly
// the weights of 2N steps in one go (tests/test_gan_trainer.cpp).
//
// Data parallel (options.comm with more than one rank; docs/distributed.md):
// every rank calls train_step on its own share of the global batch. The
// ranks start from rank 0's weights, draw the global batch's noise from the
// same generator and keep their own rows, average G's and D's gradients in
// buckets during backward (dist::GradReducer), and with sync_batch_norm take
// batch statistics over the whole global batch. Every rank then applies the
// same update, so the replicas stay identical bit for bit, and N ranks at
// batch B train like one process at batch N B.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "gf/core/rng.hpp"
#include "gf/dist/grad_reducer.hpp"
#include "gf/io/safetensors.hpp"
#include "gf/models/gan/dcgan.hpp"
#include "gf/models/gan/diff_augment.hpp"
#include "gf/models/gan/gan_loss.hpp"
#include "gf/optim/adam.hpp"

namespace gf::models {

struct GanTrainerOptions {
  DcganConfig model = dcgan28();
  GanLoss loss = GanLoss::kNonSaturating;
  double lr_g = 2e-4;  // separate rates for G and D (TTUR, Heusel et al. 2017)
  double lr_d = 2e-4;
  double beta1 = 0.5;  // DCGAN's Adam momentum
  double beta2 = 0.999;
  double real_label = 1.0;   // < 1: one-sided label smoothing
  double ema_decay = 0.999;  // 0: no EMA (samples come from G itself)
  double gp_lambda = 0.0;    // > 0: WGAN-GP's gradient penalty with this weight (the paper: 10)
  std::int64_t n_critic = 1;  // D steps per G step (WGAN-GP: 5)
  double r1_gamma = 0.0;      // > 0: R1 penalty on real data with this gamma
  std::int64_t r1_every = 1;  // lazy R1: the penalty every k-th D step, times k
  DiffAugmentPolicy diff_augment;  // off by default
  std::uint64_t seed = 1;
  std::int64_t num_fixed_samples = 64;  // the fixed noise behind the per-epoch grids
  Device device = Device::cpu();
  // Data parallel: the ranks that train together (null or one rank: this
  // process alone); batch statistics over all ranks; the gradient bucket size.
  // Not stored in checkpoints: a checkpoint resumes on any number of ranks.
  std::shared_ptr<dist::Communicator> comm;
  bool sync_batch_norm = true;
  std::int64_t bucket_bytes = dist::GradReducer::kDefaultBucketBytes;
};

/// What one step measured.
struct StepStats {
  std::int64_t step = 0;   // steps done, this one included
  double loss_d = 0, loss_g = 0;  // loss_d without the penalty (D minimised their sum)
  double d_real = 0;       // mean D(x) = sigmoid(logit) on the real batch
  double d_fake = 0;       // mean D(G(z)) before G's update
  double grad_norm_d = 0;  // global L2 norm of D's gradients in the D step
  double grad_norm_g = 0;  // ... and of G's in the G step
  double penalty = 0;      // the gradient penalty in loss_d (weighted; 0 when none ran this step)
  bool g_step = true;      // G was updated (n_critic > 1: loss_g, grad_norm_g are the last G step's)
};

/// A loss became NaN or Inf; it was not applied to any weight.
class NonFiniteLoss : public Error {
 public:
  NonFiniteLoss(std::int64_t step, const std::string& which, double value);
  const std::int64_t step;
  const std::string which;  // "loss_D", "penalty" or "loss_G"
};

class GanTrainer {
 public:
  explicit GanTrainer(GanTrainerOptions options);

  /// One D step and one G step on `real` (N, C, S, S) in [-1, 1]; `labels`
  /// (N,) int64 for a conditional model, else undefined.
  StepStats train_step(const Tensor& real, const Tensor& labels = Tensor());

  /// Images in [-1, 1] from latent `z` (N, nz), in eval mode without grad,
  /// from G_ema when EMA is on (unless `use_ema` is false).
  Tensor sample(const Tensor& z, const Tensor& labels = Tensor(), bool use_ema = true);
  /// sample() of the fixed noise (and, conditional, labels cycling the classes).
  Tensor sample_fixed(bool use_ema = true);

  /// Writes the whole training state atomically (see the file comment).
  /// `extra` metadata is stored alongside (dataset, epoch bookkeeping...).
  void save(const std::string& path, const io::Metadata& extra = {}) const;
  /// Restores a checkpoint written by save() for the same configuration;
  /// returns its metadata. Throws naming what does not match.
  io::Metadata load(const std::string& path);
  /// The same from a checkpoint already read (`path` names it in errors):
  /// data-parallel ranks load the bytes rank 0 read and broadcast.
  io::Metadata load(const io::SafetensorsFile& file, const std::string& path);

  std::int64_t step() const { return step_; }
  const GanTrainerOptions& options() const { return options_; }
  DcganGenerator& generator() { return *G_; }
  DcganDiscriminator& discriminator() { return *D_; }
  /// The generator used for sampling: G_ema, or G when EMA is off.
  DcganGenerator& sampling_generator() { return G_ema_ ? *G_ema_ : *G_; }
  const Tensor& fixed_noise() const { return fixed_noise_; }
  /// Data parallel: the gradient all-reduce of the last D step and G step.
  dist::ReducerStats reducer_stats_d() const { return reduce_d_ ? reduce_d_->stats() : dist::ReducerStats{}; }
  dist::ReducerStats reducer_stats_g() const { return reduce_g_ ? reduce_g_->stats() : dist::ReducerStats{}; }

 private:
  void update_ema();
  void setup_data_parallel();
  // Data parallel: how many ranks train together and which one this is (1, 0 alone).
  std::pair<int, int> ranks_and_rank() const;
  // DiffAugment's T on a batch of this rank's (identity when off).
  Tensor augment(const Tensor& images);
  // Data parallel: `values` replaced by their mean over the ranks.
  void average_over_ranks(std::vector<double*> values);

  GanTrainerOptions options_;
  Rng rng_;  // every step's random numbers: latent noise, WGAN-GP's eps, DiffAugment's draws
  std::shared_ptr<DcganGenerator> G_, G_ema_;
  std::shared_ptr<DcganDiscriminator> D_;
  std::unique_ptr<optim::Adam> opt_g_, opt_d_;
  std::unique_ptr<dist::GradReducer> reduce_g_, reduce_d_;  // data parallel only
  Tensor fixed_noise_;   // (num_fixed_samples, nz)
  Tensor fixed_labels_;  // (num_fixed_samples,) int64, conditional only
  std::int64_t step_ = 0;
  double last_loss_g_ = 0, last_grad_norm_g_ = 0;  // n_critic > 1: reported between G steps
};

/// The training options stored in a checkpoint written by GanTrainer::save.
GanTrainerOptions read_trainer_options(const io::SafetensorsFile& checkpoint, const std::string& path);

/// A generator (G_ema if the checkpoint has one and `prefer_ema`, else G)
/// rebuilt from a GanTrainer checkpoint, in eval mode on `device`.
std::shared_ptr<DcganGenerator> load_generator(const std::string& path, bool prefer_ema = true,
                                               Device device = Device::cpu());

}  // namespace gf::models
