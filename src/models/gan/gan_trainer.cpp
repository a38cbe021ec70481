#include "gf/models/gan/gan_trainer.hpp"

#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <type_traits>

#include "gf/autograd/grad_mode.hpp"
#include "gf/core/factory.hpp"
#include "gf/core/parse_number.hpp"
#include "gf/dist/program.hpp"
#include "gf/models/gan/gradient_penalty.hpp"
#include "gf/nn/norm.hpp"
#include "gf/ops/elementwise.hpp"
#include "gf/ops/reduce.hpp"

namespace gf::models {
namespace {

// sqrt(sum over parameters of |grad|^2): one number per network per step.
// Summed where the gradients live and read once, so a GPU waits once per
// network rather than once per parameter.
double global_grad_norm(const nn::Module& m) {
  Tensor total;  // float64, 0-D
  for (const Tensor& p : m.parameters()) {
    if (!p.grad().defined()) continue;
    const Tensor s = sum(square(p.grad().to(DType::kFloat64)));
    total = total.defined() ? add(total, s) : s;
  }
  return total.defined() ? std::sqrt(total.item<double>()) : 0.0;
}

// A generator's state as the (3,) int64 tensor a checkpoint stores, and back.
Tensor state_tensor(const Rng& g) {
  const Rng::State s = g.state();
  return from_vector<std::int64_t>({static_cast<std::int64_t>(s.seed), static_cast<std::int64_t>(s.counter),
                                    static_cast<std::int64_t>(s.unused_words)},
                                   {3});
}
void set_state(Rng& g, const std::vector<std::int64_t>& s) {
  g.set_state({static_cast<std::uint64_t>(s[0]), static_cast<std::uint64_t>(s[1]), static_cast<std::uint64_t>(s[2])});
}

double mean_probability(const Tensor& logits) { return mean(sigmoid(logits.detach())).item<double>(); }

// Prefixes every name of a state dict: "G." + "main.0.weight".
void add_prefixed(io::NamedTensors& out, const std::string& prefix, const nn::NamedTensors& state) {
  for (const auto& [name, t] : state) out.emplace_back(prefix + name, t);
}
void add_prefixed(io::NamedTensors& out, const std::string& prefix, const std::map<std::string, Tensor>& state) {
  for (const auto& [name, t] : state) out.emplace_back(prefix + name, t);
}

// The entries of `file` under `prefix`, with the prefix removed.
std::map<std::string, Tensor> with_prefix(const io::SafetensorsFile& file, const std::string& prefix) {
  std::map<std::string, Tensor> out;
  for (const auto& [name, t] : file.tensors)
    if (name.rfind(prefix, 0) == 0) out.emplace(name.substr(prefix.size()), t);
  return out;
}

const Tensor& required(const io::SafetensorsFile& file, const std::string& name, const std::string& path) {
  auto it = file.tensors.find(name);
  GF_CHECK(it != file.tensors.end(), "checkpoint ", path, ": missing tensor '", name,
           "' (not a ganforge DCGAN training checkpoint?)");
  return it->second;
}

const std::string& required(const io::Metadata& meta, const std::string& key, const std::string& path) {
  auto it = meta.find(key);
  GF_CHECK(it != meta.end(), "checkpoint ", path, ": missing metadata '", key, "'");
  return it->second;
}

// The configuration a checkpoint stores: one metadata key per field. Writing
// and reading both walk this list, so they cannot drift apart.
template <typename Options, typename Visit>
void for_each_config_field(Options& o, Visit&& visit) {
  visit("image_size", o.model.image_size);
  visit("channels", o.model.channels);
  visit("nz", o.model.nz);
  visit("ngf", o.model.ngf);
  visit("ndf", o.model.ndf);
  visit("num_classes", o.model.num_classes);
  visit("embed_dim", o.model.embed_dim);
  visit("spectral_norm", o.model.spectral_norm);
  visit("loss", o.loss);
  visit("lr_g", o.lr_g);
  visit("lr_d", o.lr_d);
  visit("beta1", o.beta1);
  visit("beta2", o.beta2);
  visit("real_label", o.real_label);
  visit("ema_decay", o.ema_decay);
  visit("seed", o.seed);
}

// Fields added after the first checkpoints were written (issue 15): a
// checkpoint without them keeps the defaults, which is what its run used.
template <typename Options, typename Visit>
void for_each_later_config_field(Options& o, Visit&& visit) {
  visit("d_batch_norm", o.model.d_batch_norm);
  visit("gp_lambda", o.gp_lambda);
  visit("n_critic", o.n_critic);
  visit("r1_gamma", o.r1_gamma);
  visit("r1_every", o.r1_every);
  visit("diff_augment", o.diff_augment);
}

std::string to_text(GanLoss v) { return gan_loss_name(v); }
std::string to_text(const DiffAugmentPolicy& v) { return v.str(); }
std::string to_text(bool v) { return v ? "1" : "0"; }
std::string to_text(std::int64_t v) { return std::to_string(v); }
std::string to_text(std::uint64_t v) { return std::to_string(v); }
std::string to_text(double v) {
  // Every digit: a resumed run must continue with exactly the same rates.
  std::ostringstream os;
  os << std::setprecision(std::numeric_limits<double>::max_digits10) << v;
  return os.str();
}

// A field read back from the text to_text wrote; the error names the
// checkpoint and the key when the text is not what the field needs.
void from_text(const std::string& s, const char*, const std::string&, GanLoss& v) { v = parse_gan_loss(s); }
void from_text(const std::string& s, const char*, const std::string&, DiffAugmentPolicy& v) {
  v = parse_diff_augment(s);
}
template <typename Number>
void from_text(const std::string& s, const char* key, const std::string& path, Number& v) {
  using Stored = std::conditional_t<std::is_same_v<Number, bool>, int, Number>;  // bool is written as 0 or 1
  const std::optional<Stored> parsed = parse_number<Stored>(s);
  GF_CHECK(parsed, "checkpoint ", path, ": metadata '", key, "' must be ",
           std::is_integral_v<Stored> ? "a whole number" : "a number", ", got '", s, "'");
  v = static_cast<Number>(*parsed);
}

}  // namespace

NonFiniteLoss::NonFiniteLoss(std::int64_t step, const std::string& which, double value)
    : Error(detail::concat("training stopped at step ", step, ": ", which, " is ", value,
                           " (try a lower learning rate, or another --loss)")),
      step(step), which(which) {}

GanTrainer::GanTrainer(GanTrainerOptions options) : options_(std::move(options)), rng_(options_.seed) {
  options_.model.validate();
  GF_CHECK(options_.gp_lambda >= 0.0 && options_.r1_gamma >= 0.0, "GanTrainer: gp_lambda (", options_.gp_lambda,
           ") and r1_gamma (", options_.r1_gamma, ") must be >= 0");
  GF_CHECK(options_.n_critic >= 1 && options_.r1_every >= 1, "GanTrainer: n_critic (", options_.n_critic,
           ") and r1_every (", options_.r1_every, ") must be >= 1");
  GF_CHECK(!(options_.comm && options_.comm->size() > 1 && (options_.gp_lambda > 0 || options_.r1_gamma > 0)),
           "GanTrainer: gradient penalties (WGAN-GP, R1) are not supported in data-parallel training yet");
  // Model initialisation draws from its own stream, so the noise stream below
  // does not depend on how many numbers the init used.
  Rng init_rng(options_.seed ^ 0x9E3779B97F4A7C15ull);
  G_ = std::make_shared<DcganGenerator>(options_.model, init_rng);
  D_ = std::make_shared<DcganDiscriminator>(options_.model, init_rng);
  G_->to(options_.device);
  D_->to(options_.device);
  if (options_.ema_decay > 0.0) {
    G_ema_ = std::make_shared<DcganGenerator>(options_.model, init_rng);
    G_ema_->to(options_.device);
    G_ema_->load_state_dict(G_->state_dict());
    G_ema_->eval();
    for (Tensor& p : G_ema_->parameters()) p.requires_grad_(false);
  }
  opt_g_ = std::make_unique<optim::Adam>(
      G_->parameters(), optim::AdamOptions{.lr = options_.lr_g, .beta1 = options_.beta1, .beta2 = options_.beta2});
  opt_d_ = std::make_unique<optim::Adam>(
      D_->parameters(), optim::AdamOptions{.lr = options_.lr_d, .beta1 = options_.beta1, .beta2 = options_.beta2});

  Rng fixed_rng(options_.seed + 1);
  fixed_noise_ = randn({options_.num_fixed_samples, options_.model.nz}, {DType::kFloat32, options_.device}, &fixed_rng);
  if (options_.model.conditional()) {
    std::vector<std::int64_t> labels(static_cast<std::size_t>(options_.num_fixed_samples));
    // Row r of an 8-wide grid shows class r: each class in its own row.
    for (std::size_t i = 0; i < labels.size(); ++i)
      labels[i] = static_cast<std::int64_t>(i / 8) % options_.model.num_classes;
    fixed_labels_ = from_vector<std::int64_t>(labels, {options_.num_fixed_samples});
  }
  if (options_.comm && options_.comm->size() > 1) setup_data_parallel();
}

void GanTrainer::setup_data_parallel() {
  dist::Communicator& comm = *options_.comm;
  // Rank 0's weights for everyone (the same seed gives the same weights
  // already; this makes it so whatever the ranks did before).
  dist::broadcast_modules({G_.get(), D_.get(), G_ema_.get()}, comm);
  const Tensor rng = state_tensor(rng_);  // and its noise generator: the ranks draw the same global noise
  comm.broadcast({fixed_noise_, rng}, 0);
  set_state(rng_, rng.to_vector<std::int64_t>());
  if (options_.sync_batch_norm)
    for (nn::Module* m : std::initializer_list<nn::Module*>{G_.get(), D_.get()})
      for (const auto& [name, child] : m->named_modules())
        if (auto* bn = dynamic_cast<nn::BatchNorm2d*>(child)) bn->sync = options_.comm;
  reduce_g_ = std::make_unique<dist::GradReducer>(G_->parameters(), options_.comm, options_.bucket_bytes);
  reduce_d_ = std::make_unique<dist::GradReducer>(D_->parameters(), options_.comm, options_.bucket_bytes);
}

std::pair<int, int> GanTrainer::ranks_and_rank() const {
  return reduce_d_ ? std::pair{options_.comm->size(), options_.comm->rank()} : std::pair{1, 0};
}

Tensor GanTrainer::augment(const Tensor& images) {
  if (!options_.diff_augment.enabled()) return images;
  // Data parallel: like the noise, draws for the global batch, of which this
  // rank keeps its rows, so N ranks augment as one process would.
  const auto [ranks, rank] = ranks_and_rank();
  const std::int64_t n = images.size(0);
  const std::vector<AugmentDraw> all = draw_diff_augment(options_.diff_augment, n * ranks, images.size(3), rng_);
  const std::vector<AugmentDraw> mine(all.begin() + rank * n, all.begin() + (rank + 1) * n);
  return apply_diff_augment(images, options_.diff_augment, mine);
}

void GanTrainer::average_over_ranks(std::vector<double*> values) {
  if (!reduce_d_) return;
  std::vector<double> v;
  for (double* p : values) v.push_back(*p);
  Tensor t = from_vector<double>(v, {static_cast<std::int64_t>(v.size())});
  options_.comm->all_reduce({t}, dist::ReduceOp::kMean);
  const std::vector<double> mean = t.to_vector<double>();
  for (std::size_t i = 0; i < values.size(); ++i) *values[i] = mean[i];
}

StepStats GanTrainer::train_step(const Tensor& real_in, const Tensor& labels) {
  const DcganConfig& cfg = options_.model;
  GF_CHECK(cfg.conditional() == labels.defined(), "train_step: ",
           cfg.conditional() ? "a conditional model needs the batch's labels" : "labels given to an unconditional model");
  const Tensor real = real_in.to(options_.device);
  const std::int64_t n = real.size(0);
  StepStats stats;
  stats.step = step_ + 1;
  G_->train();
  D_->train();

  // 1. Fakes from fresh noise. Data parallel: every rank draws the global
  // batch's noise and keeps its own rows, so the generator stays in step and
  // the ranks together use exactly the noise one process would.
  const auto [ranks, rank] = ranks_and_rank();
  Tensor z = randn({n * ranks, cfg.nz}, {DType::kFloat32, options_.device}, &rng_);
  if (ranks > 1) z = z.narrow(0, rank * n, n);
  const Tensor fake = G_->forward(z, labels);

  // 2. Discriminator step: real vs detached fake, plus any gradient penalty.
  D_->zero_grad();
  // DiffAugment: D judges T(real) and T(fake), never the batches themselves.
  const Tensor real_seen = augment(real), fake_seen = augment(fake.detach());
  // Lazy R1 (every r1_every-th step, times r1_every) on the logits of the real
  // batch, which then needs a gradient of its own. With DiffAugment the
  // gradient is taken w.r.t. T(real), the images D saw, as a new leaf: the
  // penalty smooths D where it is trained, and needs no double backward
  // through T. (StyleGAN2-ADA differentiates w.r.t. the real batch before T
  // instead, which leaves out the pixels T dropped.)
  const bool r1_now = options_.r1_gamma > 0 && step_ % options_.r1_every == 0;
  const Tensor real_for_d = r1_now ? real_seen.detach().requires_grad_() : real_seen;
  const Tensor real_logits = D_->forward(real_for_d, labels);
  const Tensor fake_logits = D_->forward(fake_seen, labels);
  const Tensor adversarial = discriminator_loss(options_.loss, real_logits, fake_logits, options_.real_label);
  Tensor penalty;
  if (r1_now)
    penalty = r1_penalty(real_logits, real_for_d, options_.r1_gamma * static_cast<double>(options_.r1_every));
  if (options_.gp_lambda > 0) {
    // Between the images D saw: T(real) and T(fake).
    const Tensor x_hat = gradient_penalty_interpolates(real_seen, fake_seen, rng_).requires_grad_();
    const Tensor gp = wgan_gradient_penalty(D_->forward(x_hat, labels), x_hat, options_.gp_lambda);
    penalty = penalty.defined() ? add(penalty, gp) : gp;
  }
  const Tensor loss_d = penalty.defined() ? add(adversarial, penalty) : adversarial;
  stats.loss_d = adversarial.item<double>();  // reported without the penalty, which has its own column
  if (penalty.defined()) stats.penalty = penalty.item<double>();
  stats.d_real = mean_probability(real_logits);
  stats.d_fake = mean_probability(fake_logits);
  average_over_ranks({&stats.loss_d, &stats.d_real, &stats.d_fake});  // the global batch's, on every rank
  if (!std::isfinite(stats.loss_d)) throw NonFiniteLoss(stats.step, "loss_D", stats.loss_d);
  if (!std::isfinite(stats.penalty)) throw NonFiniteLoss(stats.step, "penalty", stats.penalty);
  if (reduce_d_) reduce_d_->prepare();
  loss_d.backward();
  if (reduce_d_) reduce_d_->finish();
  stats.grad_norm_d = global_grad_norm(*D_);
  opt_d_->step();

  // 3. G step (every n_critic-th call): gradients flow through D (its update is over) into G.
  stats.g_step = stats.step % options_.n_critic == 0;
  if (!stats.g_step) {
    ++step_;
    stats.loss_g = last_loss_g_;
    stats.grad_norm_g = last_grad_norm_g_;
    return stats;
  }
  G_->zero_grad();
  // Fresh draws of T, through which G's gradient flows.
  const Tensor loss_g = generator_loss(options_.loss, D_->forward(augment(fake), labels));
  stats.loss_g = loss_g.item<double>();
  average_over_ranks({&stats.loss_g});
  if (!std::isfinite(stats.loss_g)) throw NonFiniteLoss(stats.step, "loss_G", stats.loss_g);
  if (reduce_g_) reduce_g_->prepare();
  loss_g.backward();
  if (reduce_g_) reduce_g_->finish();
  stats.grad_norm_g = global_grad_norm(*G_);
  opt_g_->step();
  last_loss_g_ = stats.loss_g;
  last_grad_norm_g_ = stats.grad_norm_g;

  // 4. Moving average of G for sampling.
  ++step_;
  update_ema();
  return stats;
}

void GanTrainer::update_ema() {
  if (!G_ema_) return;
  // Warm-up as in TensorFlow's ExponentialMovingAverage: early on the average
  // follows G closely instead of remembering the random initialisation.
  const double decay = std::min(options_.ema_decay, (1.0 + static_cast<double>(step_)) / (10.0 + static_cast<double>(step_)));
  NoGradGuard no_grad;
  const auto params = G_->parameters(), ema_params = G_ema_->parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    Tensor average = ema_params[i];
    average.copy_(add(mul(average, decay), mul(params[i], 1.0 - decay)));
  }
  const auto buffers = G_->named_buffers(), ema_buffers = G_ema_->named_buffers();
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    Tensor copy = ema_buffers[i].second;
    copy.copy_(buffers[i].second);
  }
}

Tensor GanTrainer::sample(const Tensor& z, const Tensor& labels, bool use_ema) {
  DcganGenerator& g = use_ema ? sampling_generator() : *G_;
  NoGradGuard no_grad;
  const bool was_training = g.is_training();
  g.eval();
  Tensor images = g.forward(z.to(options_.device), labels);
  g.train(was_training);
  return images;
}

Tensor GanTrainer::sample_fixed(bool use_ema) { return sample(fixed_noise_, fixed_labels_, use_ema); }

void GanTrainer::save(const std::string& path, const io::Metadata& extra) const {
  io::NamedTensors tensors;
  add_prefixed(tensors, "G.", G_->state_dict());
  add_prefixed(tensors, "D.", D_->state_dict());
  if (G_ema_) add_prefixed(tensors, "G_ema.", G_ema_->state_dict());
  add_prefixed(tensors, "opt_G.", opt_g_->state_dict());
  add_prefixed(tensors, "opt_D.", opt_d_->state_dict());
  tensors.emplace_back("fixed_noise", fixed_noise_);
  if (fixed_labels_.defined()) tensors.emplace_back("fixed_labels", fixed_labels_);
  tensors.emplace_back("rng_state", state_tensor(rng_));
  tensors.emplace_back("step", from_vector<std::int64_t>({step_}, {}));

  io::Metadata meta = extra;
  meta["kind"] = "ganforge-dcgan-trainer";
  const auto write = [&](const char* key, const auto& value) { meta[key] = to_text(value); };
  for_each_config_field(options_, write);
  for_each_later_config_field(options_, write);
  io::save_safetensors(path, tensors, meta);
}

GanTrainerOptions read_trainer_options(const io::SafetensorsFile& file, const std::string& path) {
  const io::Metadata& meta = file.metadata;
  auto it = meta.find("kind");
  GF_CHECK(it != meta.end() && it->second == "ganforge-dcgan-trainer", "checkpoint ", path,
           ": not a DCGAN training checkpoint written by dcgan_train (metadata 'kind' is ",
           it == meta.end() ? "missing" : "'" + it->second + "'", ")");
  GanTrainerOptions o;
  for_each_config_field(o, [&](const char* key, auto& value) {
    from_text(required(meta, key, path), key, path, value);
  });
  for_each_later_config_field(o, [&](const char* key, auto& value) {
    if (auto it = meta.find(key); it != meta.end()) from_text(it->second, key, path, value);
  });
  o.model.validate();
  // The configuration sizes the models; the file's tensors must be able to
  // fill them, or a few bytes of metadata would allocate gigabytes.
  const auto check_fits = [&](double needed, const char* prefix, const char* model) {
    GF_CHECK(needed <= io::count_values(file, prefix), "checkpoint ", path, ": its configuration (nz ", o.model.nz,
             ", ngf ", o.model.ngf, ", ndf ", o.model.ndf, ", image size ", o.model.image_size, ") describes a ", model,
             " of ", needed, " parameters, but the file holds only ", io::count_values(file, prefix),
             " values under '", prefix, "': the metadata does not match the weights");
  };
  check_fits(generator_parameter_count(o.model), "G.", "generator");
  check_fits(discriminator_parameter_count(o.model), "D.", "discriminator");
  const Tensor& noise = required(file, "fixed_noise", path);
  GF_CHECK(noise.dim() == 2 && noise.size(0) > 0 && noise.size(1) == o.model.nz, "checkpoint ", path,
           ": fixed_noise has shape ", noise.shape(), ", expected (N, nz = ", o.model.nz, ") with N >= 1");
  o.num_fixed_samples = noise.size(0);
  return o;
}

io::Metadata GanTrainer::load(const std::string& path) { return load(io::load_safetensors(path), path); }

io::Metadata GanTrainer::load(const io::SafetensorsFile& file, const std::string& path) {
  const GanTrainerOptions saved = read_trainer_options(file, path);
  GF_CHECK(saved.model.name() == options_.model.name() && saved.model.num_classes == options_.model.num_classes &&
               saved.model.spectral_norm == options_.model.spectral_norm &&
               saved.model.d_batch_norm == options_.model.d_batch_norm,
           "checkpoint ", path, " holds a ", saved.model.name(), " model (classes ", saved.model.num_classes,
           "), this run builds a ", options_.model.name(), " (classes ", options_.model.num_classes, ")");
  G_->load_state_dict(with_prefix(file, "G."));
  D_->load_state_dict(with_prefix(file, "D."));
  if (G_ema_) {
    const auto ema = with_prefix(file, "G_ema.");
    G_ema_->load_state_dict(ema.empty() ? with_prefix(file, "G.") : ema);
  }
  opt_g_->load_state_dict(with_prefix(file, "opt_G."));
  opt_d_->load_state_dict(with_prefix(file, "opt_D."));
  fixed_noise_ = required(file, "fixed_noise", path).to(options_.device);
  if (options_.model.conditional()) fixed_labels_ = required(file, "fixed_labels", path);
  const std::vector<std::int64_t> s = required(file, "rng_state", path).to_vector<std::int64_t>();
  GF_CHECK(s.size() == 3, "checkpoint ", path, ": rng_state has ", s.size(), " values, expected 3");
  set_state(rng_, s);
  const Tensor& step = required(file, "step", path);
  GF_CHECK(step.dtype() == DType::kInt64 && step.numel() == 1 && step.item<std::int64_t>() >= 0, "checkpoint ", path,
           ": step must be one non-negative int64, got ", step.dtype(), " of shape ", step.shape());
  step_ = step.item<std::int64_t>();
  return file.metadata;
}

std::shared_ptr<DcganGenerator> load_generator(const std::string& path, bool prefer_ema, Device device) {
  const io::SafetensorsFile file = io::load_safetensors(path);
  const GanTrainerOptions o = read_trainer_options(file, path);
  Rng unused(0);
  auto g = std::make_shared<DcganGenerator>(o.model, unused);
  auto ema = with_prefix(file, "G_ema.");
  g->load_state_dict(prefer_ema && !ema.empty() ? ema : with_prefix(file, "G."));
  g->to(device);
  g->eval();
  return g;
}

}  // namespace gf::models
