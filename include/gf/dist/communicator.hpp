#pragma once
// Communicator: the collectives data-parallel training needs, and nothing else.
//
// Data-parallel training runs one process ("rank") per CPU socket, node or
// GPU. Each holds a full copy of the model, trains on its own slice of the
// batch, and the ranks agree on one update through a few collectives:
//
//   all_reduce   every rank ends with the element-wise sum (or mean) of
//                every rank's tensor: the gradients, batch-norm sums
//   broadcast    every rank ends with root's tensor: weights at start-up
//   barrier      nobody goes on until everybody has arrived
//
// Backends: MPI (src/dist/mpi/, built when CMake finds MPI) for CPU tensors,
// within a node and across nodes; NCCL (src/dist/nccl/, built with the CUDA
// backend when nccl.h is found) for GPU tensors, bootstrapped over MPI; and
// LocalCommunicator, the world of one, so a program has a single code path.
// No MPI or NCCL type appears in this header.
//
//   auto comm = gf::dist::connect_mpi();          // rank and size from mpirun / srun
//   std::vector<gf::Tensor> grads = ...;
//   comm->all_reduce(grads, gf::dist::ReduceOp::kMean);
#include <memory>
#include <string>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf::dist {

enum class ReduceOp { kSum, kMean };

/// A collective in flight. wait() returns once the result is in the tensor.
class Work {
 public:
  virtual ~Work() = default;
  /// Lets the backend make progress; true once the collective is complete.
  virtual bool test() = 0;
  /// Blocks until the collective is complete (and, for kMean, divided).
  virtual void wait() = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// "mpi", "nccl" or "local", for messages.
  virtual std::string backend() const = 0;

  /// Starts an in-place all-reduce of one contiguous tensor. The caller keeps
  /// `flat` alive and untouched until wait() returns.
  virtual std::unique_ptr<Work> all_reduce_async(const Tensor& flat, ReduceOp op) = 0;
  /// In-place all-reduce of a list of tensors of one dtype and device, as one
  /// collective on a flattened copy (one message, not one per tensor).
  virtual void all_reduce(const std::vector<Tensor>& tensors, ReduceOp op = ReduceOp::kSum);
  /// Every rank's `tensors` take root's values (same shapes and dtypes on every rank).
  virtual void broadcast(const std::vector<Tensor>& tensors, int root = 0) = 0;
  /// Every rank's `bytes` become root's (any length; the others are resized).
  virtual void broadcast_bytes(std::string& bytes, int root = 0) = 0;
  virtual void barrier() = 0;
  /// Ends every rank of the job with `code` (after one rank failed alone,
  /// so that the others do not wait for it forever).
  [[noreturn]] virtual void abort(int code) = 0;
};

/// The world of one process: every collective returns its input.
class LocalCommunicator : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string backend() const override { return "local"; }
  std::unique_ptr<Work> all_reduce_async(const Tensor& flat, ReduceOp op) override;
  void all_reduce(const std::vector<Tensor>&, ReduceOp) override {}
  void broadcast(const std::vector<Tensor>&, int) override {}
  void broadcast_bytes(std::string&, int) override {}
  void barrier() override {}
  [[noreturn]] void abort(int code) override;
};

/// What the launcher (mpirun, srun) told this process: its rank, the number
/// of ranks, its rank on this node. Read from OMPI_COMM_WORLD_*, PMI_* /
/// PMIX_RANK or SLURM_* variables; size 1 and `launcher` empty when none are set.
struct LaunchEnvironment {
  int rank = 0;
  int size = 1;
  int local_rank = 0;
  std::string launcher;  // "mpirun", "slurm", "pmi" or ""
};
LaunchEnvironment launch_environment();

/// Whether this build of ganforge has the MPI backend / the NCCL backend.
bool mpi_built();
bool nccl_built();

/// Joins the MPI job this process was launched in (MPI_Init on first call;
/// MPI_Finalize at exit). Throws a gf::Error explaining how to get MPI when
/// the build has none.
std::shared_ptr<Communicator> connect_mpi();

/// A NCCL communicator over the same ranks as `bootstrap` (rank 0 creates the
/// NCCL id and broadcasts it through `bootstrap`), for tensors on CUDA device
/// `device_index`; `bootstrap` must outlive it. Throws when the build has no NCCL.
std::shared_ptr<Communicator> connect_nccl(Communicator& bootstrap, int device_index);

/// Flattens `tensors` (one dtype, one device) into one new contiguous 1-D
/// tensor, and copies such a tensor back into them: what every bucketed
/// collective does around its one message.
Tensor flatten_tensors(const std::vector<Tensor>& tensors);
void unflatten_into(const Tensor& flat, const std::vector<Tensor>& tensors);

}  // namespace gf::dist
