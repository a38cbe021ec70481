// dist_check: a few DCGAN steps, data parallel or not, and each rank's whole
// training state written to its own file, so a test can compare the ranks
// with each other and with one process at the global batch size.
//
//   mpirun -np 2 gf_dist_check --distributed --batch-size 32 --out DIR   -> DIR/rank_0, rank_1
//   gf_dist_check --batch-size 64 --out DIR                              -> DIR/rank_0
// plus DIR/init.safetensors (the state before the first step) and
// DIR/steps_R.txt (step, loss_D, loss_G, |grad D|, |grad G| per step).
//
// The data is synthetic (a fixed set of random images), so the check depends
// on no dataset; everything else is what dcgan_train does: a sharded loader,
// GanTrainer with a communicator, rank 0's weights broadcast at the start.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>

#include "gf/dist/program.hpp"
#include "gf/gf.hpp"
#include "gf/models/gan/gan_trainer.hpp"

using namespace gf;

namespace {

constexpr std::int64_t kImages = 512;
constexpr std::int64_t kSide = 28;

// kImages random 1 x 28 x 28 images in [-1, 1], the same on every rank.
class RandomImages : public data::Dataset {
 public:
  RandomImages() {
    Rng gen(7);
    images_ = sub(mul(rand({kImages, 1, kSide, kSide}, {}, &gen), 2.0), 1.0);
  }
  std::int64_t size() const override { return kImages; }
  data::Example get(std::int64_t i) const override { return {images_.select(0, i).clone(), -1}; }

 private:
  Tensor images_;
};

}  // namespace

int main(int argc, char** argv) {
  bool distributed = false, no_sync_bn = false;
  std::int64_t batch_size = 32, steps = 5, width = 32;
  double bucket_mb = 25;
  std::string out;
  CLI::App app{"A few DCGAN steps; every rank writes DIR/rank_R.safetensors"};
  app.add_flag("--distributed", distributed, "data parallel over the MPI launch's ranks");
  app.add_flag("--no-sync-bn", no_sync_bn, "per-rank batch-norm statistics");
  app.add_option("--batch-size", batch_size, "images per rank and step");
  app.add_option("--steps", steps, "training steps");
  app.add_option("--width", width, "ngf = ndf");
  app.add_option("--bucket-mb", bucket_mb, "gradient bucket size in MB");
  app.add_option("--out", out, "output directory")->required();
  CLI11_PARSE(app, argc, argv);

  std::shared_ptr<dist::Communicator> comm = std::make_shared<dist::LocalCommunicator>();
  try {
    comm = dist::connect(distributed);
    models::GanTrainerOptions t;
    t.model.ngf = t.model.ndf = width;
    t.ema_decay = 0.9;
    if (comm->size() > 1) {
      t.comm = comm;
      t.sync_batch_norm = !no_sync_bn;
      t.bucket_bytes = static_cast<std::int64_t>(bucket_mb * 1e6);
    }
    data::DataLoader loader(std::make_shared<RandomImages>(),
                            {.batch_size = batch_size, .drop_last = true, .seed = 3, .prefetch = 0,
                             .rank = comm->rank(), .world_size = comm->size()});
    models::GanTrainer trainer(t);
    const std::filesystem::path dir(out);
    std::filesystem::create_directories(dir);
    if (comm->rank() == 0) trainer.save((dir / "init.safetensors").string());  // where the updates start from
    // Per step, every digit: the losses and gradient norms of the global batch.
    std::ofstream log(dir / ("steps_" + std::to_string(comm->rank()) + ".txt"));
    log << std::setprecision(17);
    for (auto& batch : loader.epoch(0)) {
      const auto s = trainer.train_step(batch.images);
      log << s.step << " " << s.loss_d << " " << s.loss_g << " " << s.grad_norm_d << " " << s.grad_norm_g << "\n";
      if (comm->rank() == 0)
        std::cout << "step " << s.step << " loss_D " << s.loss_d << " loss_G " << s.loss_g << ", D's gradients in "
                  << trainer.reducer_stats_d().buckets << " bucket(s), " << trainer.reducer_stats_d().started_in_backward
                  << " started during backward\n";
      if (trainer.step() == steps) break;
    }
    trainer.save((dir / ("rank_" + std::to_string(comm->rank()) + ".safetensors")).string());
  } catch (const std::exception& e) {
    return dist::fail("dist_check", e.what(), *comm);
  }
  return 0;
}
