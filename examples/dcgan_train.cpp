// dcgan_train: trains a DCGAN on Fashion-MNIST, MNIST or a folder of images.
//
// The algorithm (Goodfellow et al. 2014; architecture of Radford et al. 2016):
//   for each batch of real images x (scaled to [-1, 1]):
//     z ~ N(0, I), fake = G(z)
//     D step: maximise log D(x) + log(1 - D(fake))   -- fake detached from G
//     G step: maximise log D(G(z))                    -- non-saturating loss
//     G_ema <- moving average of G (used for the pictures)
// One step is GanTrainer::train_step (src/models/gan/gan_trainer.cpp); this file
// is the program around it: data, progress, pictures, metrics, checkpoints.
//
// Gradient penalties (docs/dcgan.md; both differentiate through D's backward):
//   --loss wgan-gp   Wasserstein loss + lambda E[(||grad D(x_hat)||_2 - 1)^2] on
//                    interpolates (Gulrajani et al. 2017), a critic without batch
//                    norm, n_critic D steps per G step, Adam (0, 0.9) at 1e-4
//   --r1 GAMMA       gamma / 2 E[||grad D(x)||^2] on real images, with any loss
//                    (Mescheder et al. 2018); --r1-every K: lazy R1, times K
//
// --diff-augment color,translation,cutout (any subset): DiffAugment (Zhao et
// al. 2020), the same random differentiable transform on every image D sees,
// real and fake, in both steps; for small datasets.
//
// Everything goes to --out:
//   samples/epoch_NNN.png   the same 64 latent vectors, decoded after each epoch
//   samples/step_NNNNNN.png with --sample-every
//   metrics.csv             one row per step, on disk as soon as the step ends
//   loss_curve.png          loss_D and loss_G (and the penalty, when one is on);
//                           d_outputs.png: D(x) and D(G(z))
//   checkpoint.safetensors  everything needed for --resume and dcgan_sample
// A checkpoint already there is only continued (--resume) or replaced on
// request (--overwrite); a killed run is continued by --resume, which drops
// the metrics rows the checkpoint did not see.
// --profile N writes nothing: it prints where N training steps spend their time.
//
// Data parallel (docs/distributed.md): under an MPI launcher,
//   mpirun -np 2 dcgan_train --distributed --threads 1 --batch-size 32 ...
// runs one rank per process. Each takes its share of every global batch
// (--batch-size images per rank), the gradients are averaged over the ranks
// during backward, and batch norm takes statistics over the global batch; so
// the ranks train like one process at batch 2 x 32. Rank 0 alone writes
// --out and prints; a checkpoint resumes on any number of ranks.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>

#include "gf/dist/checkpoint.hpp"
#include "gf/dist/program.hpp"
#include "gf/gf.hpp"
#include "gf/models/gan/classifier.hpp"
#include "gf/models/gan/gan_trainer.hpp"
#include "option_bounds.hpp"

namespace fs = std::filesystem;
using namespace gf;

namespace {

constexpr std::int64_t kGridColumns = 8;
constexpr int kCurveSmoothing = 25;  // steps in the moving average of the curves

struct Options {
  std::string data;                       // default per dataset
  std::string dataset = "fashion-mnist";  // fashion-mnist | mnist | folder
  std::string arch = "dcgan28";
  std::int64_t image_size = 0;  // 0: the architecture's
  int channels = 0;             // folder only; 0: 3 (RGB)
  std::int64_t epochs = 1;
  std::int64_t steps = 0;       // > 0 overrides epochs
  std::int64_t batch_size = 0;        // 0: the architecture's
  double lr = 0, lr_g = 0, lr_d = 0;  // lr 0: the architecture's
  double beta1 = 0.5, beta2 = 0.999;
  std::string loss = "nonsaturating";
  double gp_lambda = 10;        // --loss wgan-gp only
  std::int64_t n_critic = 1;    // wgan-gp: 5 unless given
  double r1_gamma = 0;          // 0: no R1
  std::int64_t r1_every = 1;
  std::string diff_augment;     // "": off
  double real_label = 1.0;
  double ema_decay = 0.999;
  bool spectral_norm = false;
  bool conditional = false;
  std::uint64_t seed = 1;
  std::string device = "cpu";
  std::string out = "runs/dcgan";
  std::string resume;
  bool overwrite = false;
  std::int64_t sample_every = 0;
  bool deterministic = false;
  int threads = 0;
  std::string classifier = "runs/classifier/fmnist_classifier.safetensors";
  std::int64_t fid_samples = 5000;  // 0: no FID
  std::int64_t fid_every = 0;       // > 0: FID every N steps into fid.csv
  std::int64_t profile = 0;  // > 0: profile this many steps and exit
  bool distributed = false;  // data parallel over the ranks of an MPI launch
  bool no_sync_bn = false;   // per-rank batch statistics instead of the global batch's
  double bucket_mb = 25;     // gradient all-reduce bucket size
};

std::shared_ptr<const data::Dataset> open_dataset(const Options& o, int& channels) {
  if (o.dataset == "fashion-mnist" || o.dataset == "mnist") {
    channels = 1;
    const std::string root = o.data.empty() ? data::kFashionMnistDir : o.data;
    if (o.dataset == "fashion-mnist") return std::make_shared<data::FashionMnist>(data::Split::kTrain, root);
    return std::make_shared<data::MnistDataset>(root, data::Split::kTrain);
  }
  if (o.dataset == "folder") {
    GF_CHECK(!o.data.empty(), "--dataset folder needs --data DIR");
    channels = o.channels ? o.channels : 3;
    auto folder = std::make_shared<data::ImageFolder>(o.data, data::ImageFolderOptions{.channels = channels,
                                                                                         .classes = o.conditional});
    if (!folder->skipped().empty())
      std::cerr << "dcgan_train: skipped " << folder->skipped().size() << " unreadable file(s) in " << o.data << "\n";
    return folder;
  }
  throw Error("--dataset must be fashion-mnist, mnist or folder, got '" + o.dataset + "'");
}

// metrics.csv's columns; the rows come from GanTrainer::train_step's StepStats.
// `penalty` is the gradient penalty in D's loss (0 without one); loss_d is D's
// loss without it.
const std::vector<std::string> kMetricsColumns = {"step",        "epoch",       "loss_d", "loss_g",      "d_real", "d_fake",
                                                  "grad_norm_d", "grad_norm_g", "penalty", "images_per_s"};

void save_curves(const fs::path& dir, const io::MetricsLog& log, bool with_penalty) {
  if (log.rows().empty()) return;
  const std::vector<double> steps = log.column("step");
  const io::Series loss_d{"loss_D", steps, log.column("loss_d"), std::nullopt};
  const io::Series loss_g{"loss_G", steps, log.column("loss_g"), std::nullopt};
  const io::Series d_real{"D(x)", steps, log.column("d_real"), std::nullopt};
  const io::Series d_fake{"D(G(z))", steps, log.column("d_fake"), std::nullopt};
  std::vector<io::Series> losses{loss_d, loss_g};
  if (with_penalty) losses.push_back({"penalty", steps, log.column("penalty"), std::nullopt});
  io::save_plot((dir / "loss_curve.png").string(), losses,
                {.title = "DCGAN losses", .x_label = "step", .y_label = "loss", .smoothing = kCurveSmoothing});
  io::save_plot((dir / "d_outputs.png").string(), {d_real, d_fake},
                {.title = "Discriminator outputs", .x_label = "step", .y_label = "mean probability",
                 .smoothing = kCurveSmoothing, .y_min = 0.0, .y_max = 1.0});
}

void save_grid(models::GanTrainer& trainer, const fs::path& path) {
  io::save_image_grid(path.string(), data::denormalize(trainer.sample_fixed()), kGridColumns);
}

std::string zero_padded(std::int64_t v, int width) {
  std::string s = std::to_string(v);
  return std::string(static_cast<std::size_t>(std::max<int>(0, width - static_cast<int>(s.size()))), '0') + s;
}

// FID against the classifier's test-set statistics, of --fid-samples samples
// drawn from noise seeded by --seed: every evaluation of a run (and of runs
// with the same seed) sees the same latent vectors, so changes in FID are the
// generator's alone.
struct FidProbe {
  models::ClassifierCheckpoint classifier;
  std::int64_t samples;
  std::uint64_t seed;

  double operator()(models::GanTrainer& trainer, bool use_ema) const {
    Rng noise(seed + 2);
    std::vector<Tensor> images;
    const std::int64_t nz = trainer.options().model.nz, classes = trainer.options().model.num_classes;
    for (std::int64_t i = 0; i < samples; i += 500) {
      const std::int64_t n = std::min<std::int64_t>(500, samples - i);
      Tensor labels = classes > 0 ? randint(0, classes, {n}, {DType::kInt64}, &noise) : Tensor();
      images.push_back(trainer.sample(randn({n, nz}, {}, &noise), labels, use_ema).to(Device::cpu()));
    }
    return models::classifier_fid(classifier, cat(images, 0));
  }
};

// The probe, or nothing when FID is off or does not apply (the classifier
// knows 1x28x28 Fashion-MNIST only). --fid-every asked for FID explicitly, so
// other images are an error there rather than a skipped line.
std::optional<FidProbe> open_fid_probe(const models::GanTrainer& trainer, const Options& o, std::ostream& say) {
  if (o.fid_samples == 0) return std::nullopt;
  const bool fits = trainer.options().model.image_size == 28 && trainer.options().model.channels == 1;
  GF_CHECK(o.fid_every == 0 || fits, "--fid-every needs 1x28x28 images (the FID classifier's), got ",
           trainer.options().model.channels, "x", trainer.options().model.image_size, "x",
           trainer.options().model.image_size);
  if (!fits) return std::nullopt;
  if (!fs::exists(o.classifier)) {
    say << "FID: skipped (no classifier at " << o.classifier << "; train one with fmnist_classifier)\n";
    return std::nullopt;
  }
  return FidProbe{models::load_classifier(o.classifier), o.fid_samples, o.seed};
}

// The seconds of training steps a checkpoint records; 0 for checkpoints from
// before ganforge kept them.
double checkpoint_train_seconds(const io::SafetensorsFile& file, const std::string& path) {
  const double seconds = io::metadata_number<double>(file.metadata, "train_seconds", path).value_or(0.0);
  GF_CHECK(std::isfinite(seconds) && seconds >= 0, path, ": metadata 'train_seconds' must be a number of seconds, got ",
           seconds);
  return seconds;
}

// fid.csv's columns: FID of the moving average of G (what samples use) and of
// G's own weights, against the seconds spent inside training steps so far
// (FID evaluations, pictures and checkpoints excluded), which is what makes
// runs of different settings comparable per minute of training.
const std::vector<std::string> kFidColumns = {"step", "train_s", "fid", "fid_raw"};

void save_fid_curve(const fs::path& dir, const io::MetricsLog& log) {
  std::vector<double> minutes = log.column("train_s");
  for (double& m : minutes) m /= 60.0;
  io::save_plot((dir / "fid_curve.png").string(),
                {{"FID (moving average of G)", minutes, log.column("fid"), std::nullopt},
                 {"FID (G's weights)", minutes, log.column("fid_raw"), std::nullopt}},
                {.title = "FID during training", .x_label = "minutes of training steps", .y_label = "FID",
                 .log_y = true});
}

// --profile: a few warm-up steps (buffers cached, pages faulted in), then
// `steps` steps under the per-layer profiler; prints its table, per step.
void profile_training(models::GanTrainer& trainer, const data::DataLoader& loader, std::int64_t steps,
                      bool conditional, dist::Communicator& comm, std::ostream& out) {
  constexpr std::int64_t kWarmupSteps = 3;
  dist::ReducerStats d_sum, g_sum;  // data parallel: the gradient all-reduces of the profiled steps
  Profiler::reset();
  Profiler::name_modules(trainer.generator(), "G");
  Profiler::name_modules(trainer.discriminator(), "D");
  std::int64_t done = 0;
  double profiled_s = 0;
  for (std::int64_t epoch = 0; done < kWarmupSteps + steps; ++epoch) {
    for (auto& batch : loader.epoch(epoch)) {
      if (done == kWarmupSteps) Profiler::enable();
      const auto start = std::chrono::steady_clock::now();
      trainer.train_step(batch.images, conditional ? batch.labels : Tensor());
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      if (done >= kWarmupSteps) {
        profiled_s += took.count();
        for (auto [sum, step] : {std::pair{&d_sum, trainer.reducer_stats_d()}, std::pair{&g_sum, trainer.reducer_stats_g()}}) {
          sum->bytes = step.bytes;
          sum->buckets = step.buckets;
          sum->started_in_backward += step.started_in_backward;
          sum->window_s += step.window_s;
          sum->wait_s += step.wait_s;
        }
      }
      if (++done == kWarmupSteps + steps) break;
    }
  }
  Profiler::disable();
  const double per_step = profiled_s / static_cast<double>(steps);
  out << Profiler::report(steps) << "whole training step: " << 1e3 * per_step
      << " ms (the layers above, plus losses, optimizer updates and the EMA of G)\n";
  if (comm.size() == 1) return;
  out << "data parallel: " << comm.size() << " ranks x " << loader.options().batch_size << " images, "
      << static_cast<double>(comm.size() * loader.options().batch_size) / per_step << " images/s (rank 0's timing)\n";
  for (const auto& [name, sum] : {std::pair{"D", d_sum}, std::pair{"G", g_sum}}) {
    // The same bytes all-reduced alone, blocking: what the step would pay
    // with nothing to overlap.
    constexpr int kRepeats = 10;
    const Tensor flat = zeros({sum.bytes / 4});
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRepeats; ++i) comm.all_reduce({flat}, dist::ReduceOp::kMean);
    const std::chrono::duration<double> alone = std::chrono::steady_clock::now() - start;
    const double n = static_cast<double>(steps);
    out << "  " << name << " gradients: " << static_cast<double>(sum.bytes) / 1e6 << " MB in " << sum.buckets
        << " bucket(s), " << static_cast<double>(sum.started_in_backward) / n << " started during backward; "
        << "all-reduce alone " << 1e3 * alone.count() / kRepeats << " ms, exposed wait after backward "
        << 1e3 * sum.wait_s / n << " ms, backward after the first bucket started " << 1e3 * sum.window_s / n
        << " ms per step\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Train a DCGAN (Radford et al.) with ganforge and watch it learn."};
  app.add_option("--data", o.data, "dataset directory (default for fashion-mnist: " + std::string(data::kFashionMnistDir) + ")");
  app.add_option("--dataset", o.dataset, "fashion-mnist, mnist or folder")->capture_default_str();
  app.add_option("--arch", o.arch, "dcgan28 (1x28x28) or dcgan64 (Radford et al., 64x64)")->capture_default_str();
  app.add_option("--image-size", o.image_size, "28, 32 or 64 (default: the architecture's); images are resized")
      ->check(CLI::IsMember({0, 28, 32, 64}));
  app.add_option("--channels", o.channels, "folder datasets: 1 (gray) or 3 (RGB, default)")
      ->check(CLI::IsMember({0, 1, 3}));
  app.add_option("--epochs", o.epochs, "passes over the data")->check(cli::in_range(1, 100000))->capture_default_str();
  app.add_option("--steps", o.steps, "stop after this many steps in total (overrides --epochs)")
      ->check(cli::in_range(0, 100000000));
  app.add_option("--batch-size", o.batch_size,
                 "images per step (per rank with --distributed); default 32 for dcgan28, 64 for dcgan64")
      ->check(cli::in_range(1, 4096));
  app.add_option("--lr", o.lr, "Adam learning rate for G and D; default 8e-4 for dcgan28, 2e-4 for dcgan64")
      ->check(cli::positive());
  app.add_option("--lr-g", o.lr_g, "G's learning rate (TTUR; 0: --lr)")->check(cli::non_negative());
  app.add_option("--lr-d", o.lr_d, "D's learning rate (TTUR; 0: --lr)")->check(cli::non_negative());
  app.add_option("--beta1", o.beta1, "Adam beta1")->check(cli::in_range(0.0, 0.999))->capture_default_str();
  app.add_option("--beta2", o.beta2, "Adam beta2")->check(cli::in_range(0.0, 0.9999))->capture_default_str();
  app.add_option("--loss", o.loss,
                 "nonsaturating, minimax, lsgan, hinge, wgan or wgan-gp (Wasserstein loss + gradient penalty, a critic "
                 "without batch norm; unless given, --lr 1e-4 --beta1 0 --beta2 0.9 --n-critic 5 --batch-size 64, as in "
                 "Gulrajani et al.)")
      ->capture_default_str();
  app.add_option("--gp-lambda", o.gp_lambda, "with --loss wgan-gp: the gradient penalty's weight lambda")
      ->check(cli::in_range(0.0, 1e6))
      ->capture_default_str();
  app.add_option("--n-critic", o.n_critic, "D steps per G step (default 1; 5 with --loss wgan-gp)")
      ->check(cli::in_range(1, 100));
  app.add_option("--r1", o.r1_gamma, "R1 penalty gamma / 2 E[|grad D(x)|^2] on real images, any loss (0: off)")
      ->check(cli::in_range(0.0, 1e6))
      ->capture_default_str();
  app.add_option("--r1-every", o.r1_every, "lazy R1: the penalty every K-th D step only, weighted by K")
      ->check(cli::in_range(1, 1000))
      ->capture_default_str();
  app.add_option("--diff-augment", o.diff_augment,
                 "DiffAugment (Zhao et al. 2020): comma-separated policies from color, translation, cutout, "
                 "applied to real and fake images before D (default: off)");
  app.add_option("--real-label", o.real_label, "target for real images in D's loss; 0.9 = one-sided label smoothing")
      ->check(cli::in_range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--ema-decay", o.ema_decay, "moving average of G's weights for samples; 0 turns it off")
      ->check(cli::in_range(0.0, 1.0))
      ->capture_default_str();
  app.add_flag("--spectral-norm", o.spectral_norm, "spectral normalisation on D's convolutions");
  app.add_flag("--conditional", o.conditional, "class-conditional G and D (labels from the dataset)");
  app.add_option("--seed", o.seed, "seed for weights, noise and shuffling")->capture_default_str();
  app.add_option("--device", o.device,
                 "cpu, cuda or cuda:N (a GPU: needs ganforge built with CUDA and cuDNN, see docs/cuda.md)")
      ->capture_default_str();
  app.add_option("--out", o.out, "output directory")->capture_default_str();
  app.add_option("--resume", o.resume, "checkpoint to continue from (its model and optimiser settings win)");
  app.add_flag("--overwrite", o.overwrite, "start a new run even if --out holds an earlier run's checkpoint, replacing it");
  app.add_option("--sample-every", o.sample_every, "also save a sample grid every N steps (0: per epoch only)")
      ->check(cli::in_range(0, 100000000));
  app.add_flag("--deterministic", o.deterministic,
               "reproducible kernels only: CPU kernels always are; on CUDA this pins deterministic cuDNN "
               "algorithms and fixed-order reductions (same seed, same bits, somewhat slower)");
  app.add_option("--threads", o.threads, "CPU threads (0: all cores)")->check(cli::in_range(0, 1024));
  app.add_option("--classifier", o.classifier, "fmnist_classifier checkpoint for FID at the end")->capture_default_str();
  app.add_option("--fid-every", o.fid_every,
                 "also FID every N steps and at the end, of the moving average of G and of G's weights, into fid.csv "
                 "and fid_curve.png against the seconds spent in training steps (0: at the end only)")
      ->check(cli::in_range(0, 100000000));
  app.add_option("--fid-samples", o.fid_samples, "samples for FID at the end (0: no FID; else at least 2)")
      ->check(cli::in_range(0, 100000))
      ->capture_default_str();
  app.add_option("--profile", o.profile,
                 "after 3 warm-up steps, profile N steps, print per-layer time, FLOPs and memory, and exit")
      ->check(cli::in_range(0, 10000));
  app.add_flag("--distributed", o.distributed,
               "data parallel over the ranks of an MPI launch (mpirun -np N ..., srun ...): --batch-size is per "
               "rank, rank 0 writes --out (docs/distributed.md)");
  app.add_flag("--no-sync-bn", o.no_sync_bn,
               "with --distributed: batch-norm statistics of each rank's own images instead of the global batch's");
  app.add_option("--bucket-mb", o.bucket_mb, "with --distributed: gradient all-reduce bucket size in MB")
      ->check(cli::in_range(0.001, 4096.0))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const fs::path out(o.out);
  const fs::path checkpoint = out / "checkpoint.safetensors";
  std::shared_ptr<dist::Communicator> comm = std::make_shared<dist::LocalCommunicator>();
  std::ostream null_stream(nullptr);  // where the other ranks' messages go
  try {
    comm = dist::connect(o.distributed);
    const bool root = comm->rank() == 0;
    std::ostream& say = root ? std::cout : null_stream;
    // Checked now, not after the training: FID needs 2 samples for a covariance.
    GF_CHECK(o.fid_samples == 0 || o.fid_samples >= 2, "--fid-samples must be 0 (no FID) or at least 2, got ",
             o.fid_samples);
    GF_CHECK(o.fid_every == 0 || o.fid_samples > 0, "--fid-every needs --fid-samples > 0");
    GF_CHECK(o.fid_every == 0 || fs::exists(o.classifier), "--fid-every: no classifier at ", o.classifier,
             " (train one with fmnist_classifier)");
    if (o.threads > 0) set_num_threads(o.threads);
    set_deterministic(o.deterministic);
    // A missing GPU (or a build without CUDA) is reported now, naming the
    // device, rather than after the data has been loaded.
    const Device device = Device::parse(o.device);
    if (o.distributed) dist::check_distributed_device(device);
    empty({1}, {DType::kFloat32, device});
    if (o.profile == 0 && root) io::prepare_run_directory(o.out, !o.resume.empty() || o.overwrite);  // --profile writes nothing
    comm->barrier();  // a refusal above ends rank 0, and with it the job, before anyone trains

    // ---- data -------------------------------------------------------------------
    int channels = 1;
    const auto dataset = open_dataset(o, channels);
    models::GanTrainerOptions t;
    t.model = models::dcgan_config_by_name(o.arch);
    if (o.image_size) t.model.image_size = o.image_size;
    t.model.channels = channels;
    t.model.spectral_norm = o.spectral_norm;
    if (o.conditional) {
      GF_CHECK(!dataset->class_names().empty(), "--conditional needs a dataset with classes");
      t.model.num_classes = static_cast<std::int64_t>(dataset->class_names().size());
    }
    // DCGAN-28's defaults won the time-to-quality study of docs/dcgan.md
    // section 9 (the lowest FID after ten minutes of training on Fashion-MNIST);
    // DCGAN-64, not measured there, keeps Radford et al.'s learning rate and a
    // batch that fits photos in memory.
    const bool dcgan28 = o.arch == "dcgan28";
    if (app.count("--batch-size") == 0) o.batch_size = dcgan28 ? 32 : 64;
    if (app.count("--lr") == 0) o.lr = dcgan28 ? 8e-4 : 2e-4;
    const bool wgan_gp = o.loss == "wgan-gp";
    GF_CHECK(wgan_gp || app.count("--gp-lambda") == 0, "--gp-lambda needs --loss wgan-gp, got --loss ", o.loss);
    t.loss = models::parse_gan_loss(wgan_gp ? "wgan" : o.loss);
    if (wgan_gp) {  // the paper's settings, each unless given
      t.model.d_batch_norm = false;
      t.gp_lambda = o.gp_lambda;
      if (app.count("--n-critic") == 0) o.n_critic = 5;
      if (app.count("--lr") == 0) o.lr = 1e-4;
      if (app.count("--batch-size") == 0) o.batch_size = 64;
      if (app.count("--beta1") == 0) o.beta1 = 0.0;
      if (app.count("--beta2") == 0) o.beta2 = 0.9;
    }
    t.n_critic = o.n_critic;
    t.r1_gamma = o.r1_gamma;
    t.r1_every = o.r1_every;
    t.diff_augment = models::parse_diff_augment(o.diff_augment);
    t.lr_g = o.lr_g > 0 ? o.lr_g : o.lr;
    t.lr_d = o.lr_d > 0 ? o.lr_d : o.lr;
    t.beta1 = o.beta1;
    t.beta2 = o.beta2;
    t.real_label = o.real_label;
    t.ema_decay = o.ema_decay;
    t.seed = o.seed;
    t.device = device;
    io::SafetensorsFile resume_file;
    if (!o.resume.empty()) {  // the checkpoint's configuration wins; rank 0 reads it for everyone
      resume_file = comm->size() > 1 ? dist::load_safetensors_from_root(o.resume, *comm) : io::load_safetensors(o.resume);
      t = models::read_trainer_options(resume_file, o.resume);
      t.device = device;
    }
    if (comm->size() > 1) {
      t.comm = comm;
      t.sync_batch_norm = !o.no_sync_bn;
      t.bucket_bytes = static_cast<std::int64_t>(o.bucket_mb * 1e6);
    }
    const std::int64_t global_batch = o.batch_size * comm->size();

    std::vector<data::Transform> steps;
    const auto sample_shape = dataset->get(0).image.shape();
    if (sample_shape[1] != t.model.image_size || sample_shape[2] != t.model.image_size)
      steps.push_back(data::transforms::resize_center_crop(t.model.image_size));
    steps.push_back(data::transforms::normalize());
    data::DataLoader loader(dataset, {.batch_size = o.batch_size, .drop_last = true, .seed = t.seed,
                                      .transform = data::Compose(steps), .rank = comm->rank(),
                                      .world_size = comm->size()});
    const std::int64_t per_epoch = loader.batches_per_epoch();
    GF_CHECK(per_epoch > 0, "the dataset has ", dataset->size(), " images, fewer than one batch of ", global_batch);

    // ---- model ------------------------------------------------------------------
    models::GanTrainer trainer(t);
    if (!o.resume.empty()) trainer.load(resume_file, o.resume);
    const std::int64_t total = o.steps > 0 ? o.steps : o.epochs * per_epoch;
    say << "dcgan_train: " << t.model.name() << " on " << o.dataset << " (" << dataset->size()
              << " images, " << per_epoch << " steps/epoch), G " << trainer.generator().num_parameters()
              << " params, D " << trainer.discriminator().num_parameters() << " params, loss "
              << models::gan_loss_name(t.loss) << ", batch " << global_batch << ", Adam lr " << t.lr_g << " (G) "
              << t.lr_d << " (D)"
              << (t.diff_augment.enabled() ? ", DiffAugment " + t.diff_augment.str() : std::string()) << ", "
              << t.device << ", " << num_threads() << " threads\n";
    if (t.gp_lambda > 0 || t.r1_gamma > 0 || t.n_critic > 1)
      say << "gradient penalty: WGAN-GP lambda " << t.gp_lambda << ", R1 gamma " << t.r1_gamma << " every "
          << t.r1_every << " step(s); " << t.n_critic << " D step(s) per G step\n";
    const bool with_penalty = t.gp_lambda > 0 || t.r1_gamma > 0;
    if (comm->size() > 1)
      say << "data parallel: " << comm->size() << " ranks (" << comm->backend() << ") x " << o.batch_size
          << " images = " << global_batch << " per step, batch norm "
          << (t.sync_batch_norm ? "synchronised" : "per rank") << "\n";
    if (o.profile > 0) {
      profile_training(trainer, loader, o.profile, t.model.conditional(), *comm, say);
      return 0;
    }
    if (trainer.step() > 0) say << "resuming from " << o.resume << " at step " << trainer.step() << "\n";
    if (trainer.step() >= total) {
      say << "nothing to do: the checkpoint is at step " << trainer.step() << " of " << total << "\n";
      return 0;
    }

    // ---- training -----------------------------------------------------------------
    // Rank 0 alone writes: metrics, pictures, checkpoints and the progress bar.
    std::optional<io::MetricsLog> log;
    if (root) log.emplace((out / "metrics.csv").string(), kMetricsColumns, trainer.step());
    if (log && log->dropped_rows() > 0)
      say << "dropped " << log->dropped_rows() << " row(s) of " << log->path()
          << ": torn by a kill, unreadable, or after the checkpoint's step " << trainer.step() << "\n";
    // Seconds inside train_step so far, carried across resumes in the checkpoint.
    double train_s = o.resume.empty() ? 0.0 : checkpoint_train_seconds(resume_file, o.resume);
    auto save_checkpoint = [&] {
      if (root)
        trainer.save(checkpoint.string(), {{"dataset", o.dataset}, {"batch_size", std::to_string(global_batch)},
                                           {"ranks", std::to_string(comm->size())},
                                           {"train_seconds", std::to_string(train_s)}});
    };
    const std::optional<FidProbe> fid = root ? open_fid_probe(trainer, o, say) : std::nullopt;
    std::optional<io::MetricsLog> fid_log;
    if (fid && o.fid_every > 0) fid_log.emplace((out / "fid.csv").string(), kFidColumns, trainer.step());
    auto measure_fid = [&] {  // one row of fid.csv: both generators at this step
      const double with_ema = (*fid)(trainer, true);
      const double raw = trainer.options().ema_decay > 0 ? (*fid)(trainer, false) : with_ema;
      fid_log->append(trainer.step(), {train_s, with_ema, raw});
      save_fid_curve(out, *fid_log);
      return with_ema;
    };
    io::ProgressBar bar(total, "dcgan", root ? std::cerr : null_stream,
                        {.items_per_step = static_cast<double>(global_batch), .unit = "img",
                         .initial_step = trainer.step()});
    try {
      while (trainer.step() < total) {
        const std::int64_t epoch = trainer.step() / per_epoch;
        bar.set_label("epoch " + std::to_string(epoch + 1));
        for (auto& batch : loader.epoch(epoch, trainer.step() % per_epoch)) {
          const auto step_start = std::chrono::steady_clock::now();
          const auto stats = trainer.train_step(batch.images, t.model.conditional() ? batch.labels : Tensor());
          train_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start).count();
          std::vector<io::Metric> shown{
              {"loss_D", stats.loss_d}, {"loss_G", stats.loss_g}, {"D(x)", stats.d_real}, {"D(G(z))", stats.d_fake}};
          if (with_penalty) shown.push_back({"penalty", stats.penalty});
          bar.update(stats.step, shown);
          if (log)
            log->append(stats.step, {static_cast<double>(epoch), stats.loss_d, stats.loss_g, stats.d_real,
                                     stats.d_fake, stats.grad_norm_d, stats.grad_norm_g, stats.penalty,
                                     bar.view().steps_per_s * static_cast<double>(global_batch)});
          if (root && o.sample_every > 0 && stats.step % o.sample_every == 0)
            save_grid(trainer, out / "samples" / ("step_" + zero_padded(stats.step, 6) + ".png"));
          if (fid_log && stats.step % o.fid_every == 0)
            bar.message("FID at step " + std::to_string(stats.step) + " (" + io::format_duration(train_s) +
                        " of training steps): " + std::to_string(measure_fid()));
          if (stats.step >= total) break;
        }
        // End of an epoch (or of the run): pictures and a checkpoint.
        if (root) {
          save_grid(trainer, out / "samples" / ("epoch_" + zero_padded(epoch + 1, 3) + ".png"));
          save_curves(out, *log, with_penalty);
        }
        save_checkpoint();
      }
    } catch (const models::NonFiniteLoss& e) {
      bar.finish();
      save_checkpoint();  // the failing loss changed no weight: this is the last good state
      if (!root) return 2;  // every rank saw the same averaged loss
      save_curves(out, *log, with_penalty);
      std::cerr << "dcgan_train: " << e.what() << "\nlast good state saved to " << checkpoint.string() << "\n";
      return 2;
    }
    bar.finish();

    if (!root) return 0;
    if (fid) {
      // The last row of fid.csv is this step's already, unless the run ended between two --fid-every steps.
      const bool measured = fid_log && !fid_log->rows().empty() && fid_log->rows().back().step == trainer.step();
      const double value = measured ? fid_log->column("fid").back() : fid_log ? measure_fid() : (*fid)(trainer, true);
      std::cout << "FID (ganforge classifier features, " << o.fid_samples << " samples vs "
                << fid->classifier.test_stats.count << " test images): " << value << "\n";
    }
    const fs::path last_grid = out / "samples" / ("epoch_" + zero_padded((trainer.step() - 1) / per_epoch + 1, 3) + ".png");
    std::cout << "done: " << trainer.step() << " steps\n"
              << "  samples     " << last_grid.string() << "\n"
              << "  curves      " << (out / "loss_curve.png").string() << ", " << (out / "d_outputs.png").string() << "\n"
              << "  metrics     " << (out / "metrics.csv").string() << "\n"
              << "  checkpoint  " << checkpoint.string() << "  (dcgan_sample --checkpoint " << checkpoint.string()
              << ")\n";
  } catch (const std::exception& e) {
    return dist::fail("dcgan_train", e.what(), *comm);
  }
  return 0;
}
