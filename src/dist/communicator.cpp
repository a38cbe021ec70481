// The backend-neutral half of the communicators: flattening, the world of
// one, what the launcher says, and the entry points that explain a build
// without MPI or NCCL. Core tensor calls only (views and copy_), no ops.
#include "gf/dist/communicator.hpp"

#include <cstdlib>

#include "dist/backends.hpp"
#include "gf/autograd/grad_mode.hpp"
#include "gf/core/parse_number.hpp"

namespace gf::dist {
namespace {

void check_same_kind(const std::vector<Tensor>& tensors) {
  GF_CHECK(!tensors.empty(), "flatten_tensors: no tensors");
  for (const Tensor& t : tensors)
    GF_CHECK(t.dtype() == tensors[0].dtype() && t.device() == tensors[0].device(),
             "flatten_tensors: one dtype and device per collective; got ", tensors[0].dtype(), " on ",
             tensors[0].device(), " and ", t.dtype(), " on ", t.device());
}

// An environment variable as an int, or `fallback` when unset; a launcher's
// variable that is not a number is refused rather than read as rank 0.
int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  const std::optional<int> value = parse_number<int>(v);
  GF_CHECK(value && *value >= 0, "distributed launch: environment variable ", name,
           " must be a whole number >= 0, got '", v, "'");
  return *value;
}

// Completes at once: the sum over one rank is the tensor itself.
class DoneWork : public Work {
 public:
  bool test() override { return true; }
  void wait() override {}
};

}  // namespace

Tensor flatten_tensors(const std::vector<Tensor>& tensors) {
  check_same_kind(tensors);
  std::int64_t total = 0;
  for (const Tensor& t : tensors) total += t.numel();
  Tensor flat = Tensor::empty({total}, {tensors[0].dtype(), tensors[0].device()});  // (sum of numel,)
  std::int64_t offset = 0;
  for (const Tensor& t : tensors) {
    flat.narrow(0, offset, t.numel()).view(t.shape()).copy_(t.detach());
    offset += t.numel();
  }
  return flat;
}

void unflatten_into(const Tensor& flat, const std::vector<Tensor>& tensors) {
  NoGradGuard no_grad;
  std::int64_t offset = 0;
  for (const Tensor& t : tensors) {
    Tensor target = t;  // a handle on the caller's storage
    target.copy_(flat.narrow(0, offset, t.numel()).view(t.shape()));
    offset += t.numel();
  }
  GF_CHECK(offset == flat.numel(), "unflatten_into: ", flat.numel(), " values for tensors holding ", offset);
}

void Communicator::all_reduce(const std::vector<Tensor>& tensors, ReduceOp op) {
  if (tensors.empty()) return;
  const Tensor flat = flatten_tensors(tensors);
  all_reduce_async(flat, op)->wait();
  unflatten_into(flat, tensors);
}

std::unique_ptr<Work> LocalCommunicator::all_reduce_async(const Tensor&, ReduceOp) {
  return std::make_unique<DoneWork>();
}

void LocalCommunicator::abort(int code) { std::exit(code); }

LaunchEnvironment launch_environment() {
  LaunchEnvironment env;
  if (std::getenv("OMPI_COMM_WORLD_SIZE")) {  // Open MPI's mpirun
    env = {env_int("OMPI_COMM_WORLD_RANK", 0), env_int("OMPI_COMM_WORLD_SIZE", 1),
           env_int("OMPI_COMM_WORLD_LOCAL_RANK", 0), "mpirun"};
  } else if (std::getenv("SLURM_NTASKS") && std::getenv("SLURM_PROCID")) {  // srun
    env = {env_int("SLURM_PROCID", 0), env_int("SLURM_NTASKS", 1), env_int("SLURM_LOCALID", 0), "slurm"};
  } else if (std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK")) {  // MPICH's hydra, PMIx launchers
    env = {env_int("PMI_RANK", env_int("PMIX_RANK", 0)), env_int("PMI_SIZE", 1), env_int("MPI_LOCALRANKID", 0), "pmi"};
  }
  return env;
}

bool mpi_built() { return GF_WITH_MPI != 0; }
bool nccl_built() { return GF_WITH_NCCL != 0; }

std::shared_ptr<Communicator> connect_mpi() {
#if GF_WITH_MPI
  return detail::make_mpi_communicator();
#else
  throw Error("--distributed: this ganforge was built without MPI. Install Open MPI (Debian: apt-get install "
              "libopenmpi-dev openmpi-bin), then reconfigure and rebuild (cmake prints 'ganforge: MPI ...').");
#endif
}

std::shared_ptr<Communicator> connect_nccl(Communicator& bootstrap, int device_index) {
#if GF_WITH_NCCL
  return detail::make_nccl_communicator(bootstrap, device_index);
#else
  (void)bootstrap;
  (void)device_index;
  throw Error("NCCL: this ganforge was built without NCCL (it needs the CUDA backend, MPI and nccl.h; "
              "cmake prints what it found)");
#endif
}

}  // namespace gf::dist
