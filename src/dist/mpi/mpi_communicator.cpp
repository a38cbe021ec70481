// The MPI backend: collectives on CPU tensors through the MPI library the
// job was launched with (Open MPI on Debian). Built only when CMake finds MPI.
//
// Non-blocking all-reduce (MPI_Iallreduce) lets the gradient reducer start a
// bucket while backward is still running. MPI moves such a collective forward
// only while the process is inside an MPI call, so Work::test() (MPI_Test) is
// what the reducer calls between gradients to keep it moving.
#include <mpi.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <algorithm>
#include <cstdlib>

#include "dist/backends.hpp"

namespace gf::dist::detail {
namespace {

// Throws a gf::Error naming the call, this rank and MPI's own words.
void check_mpi(int code, const char* call, int rank) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(gf::detail::concat(call, " failed on rank ", rank, ": ", std::string(text, static_cast<std::size_t>(length)),
                             " (another rank probably died; its own error is above)"));
}

MPI_Datatype mpi_type(DType t) {
  switch (t) {
    case DType::kFloat32: return MPI_FLOAT;
    case DType::kFloat64: return MPI_DOUBLE;
    case DType::kInt64: return MPI_INT64_T;
  }
  throw Error(gf::detail::concat("MPI: no MPI type for ", t));
}

int checked_count(std::int64_t n, const char* call) {
  GF_CHECK(n <= INT_MAX, call, ": ", n, " elements in one message; MPI counts are int (split into buckets)");
  return static_cast<int>(n);
}

void check_cpu_contiguous(const Tensor& t, const char* call) {
  GF_CHECK(t.device().is_cpu(), call, ": the MPI backend works on CPU tensors, got one on ", t.device(),
           " (use the NCCL backend for GPU tensors)");
  GF_CHECK(t.is_contiguous(), call, ": the tensor must be contiguous (shape ", t.shape(), ")");
}

// t /= size in place (kMean after the sum); t is a contiguous CPU tensor.
template <typename T>
void divide(T* data, std::int64_t n, int size) {
  for (std::int64_t i = 0; i < n; ++i) data[i] /= static_cast<T>(size);
}
void divide_in_place(const Tensor& t, int size) {
  if (t.dtype() == DType::kFloat32) divide(t.data<float>(), t.numel(), size);
  else divide(t.data<double>(), t.numel(), size);  // all_reduce_async admits only floating types for kMean
}

// MPI_Init once per process; MPI_Finalize when the process exits normally.
struct MpiSession {
  MpiSession() {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      int provided = 0;
      // FUNNELED: only the main thread calls MPI (the data loader's thread
      // and the OpenMP workers never do).
      MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
      owned = true;
    }
  }
  ~MpiSession() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (owned && !finalized) MPI_Finalize();
  }
  bool owned = false;
};

class MpiWork : public Work {
 public:
  MpiWork(MPI_Request request, Tensor tensor, ReduceOp op, int rank, int size)
      : request_(request), tensor_(std::move(tensor)), op_(op), rank_(rank), size_(size) {}
  ~MpiWork() override {
    if (!done_) MPI_Wait(&request_, MPI_STATUS_IGNORE);  // never leave MPI writing into freed memory
  }
  bool test() override {
    if (done_) return true;
    int flag = 0;
    check_mpi(MPI_Test(&request_, &flag, MPI_STATUS_IGNORE), "MPI_Test (all-reduce)", rank_);
    if (flag) finish();
    return done_;
  }
  void wait() override {
    if (done_) return;
    check_mpi(MPI_Wait(&request_, MPI_STATUS_IGNORE), "MPI_Wait (all-reduce)", rank_);
    finish();
  }

 private:
  void finish() {
    done_ = true;
    if (op_ == ReduceOp::kMean) divide_in_place(tensor_, size_);
  }
  MPI_Request request_;
  Tensor tensor_;
  ReduceOp op_;
  int rank_, size_;
  bool done_ = false;
};

class MpiCommunicator : public Communicator {
 public:
  MpiCommunicator() {
    static MpiSession session;  // destroyed (MPI_Finalize) at exit
    // Errors come back as codes we turn into exceptions naming the rank,
    // instead of MPI's default of killing the process without a word.
    MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  ~MpiCommunicator() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Comm_free(&comm_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "mpi"; }

  std::unique_ptr<Work> all_reduce_async(const Tensor& flat, ReduceOp op) override {
    check_cpu_contiguous(flat, "all_reduce");
    GF_CHECK(op == ReduceOp::kSum || is_floating(flat.dtype()), "all_reduce: a mean needs a floating tensor, got ",
             flat.dtype());
    MPI_Request request;
    check_mpi(MPI_Iallreduce(MPI_IN_PLACE, flat.raw_data(), checked_count(flat.numel(), "all_reduce"),
                             mpi_type(flat.dtype()), MPI_SUM, comm_, &request),
              "MPI_Iallreduce", rank_);
    return std::make_unique<MpiWork>(request, flat, op, rank_, size_);
  }

  void broadcast(const std::vector<Tensor>& tensors, int root) override {
    for (const Tensor& t : tensors) {
      GF_CHECK(t.device().is_cpu(), "broadcast: the MPI backend works on CPU tensors, got one on ", t.device());
      Tensor buffer = t.is_contiguous() ? t : t.contiguous();
      check_mpi(MPI_Bcast(buffer.raw_data(), checked_count(buffer.numel(), "broadcast"), mpi_type(t.dtype()), root,
                          comm_),
                "MPI_Bcast", rank_);
      if (buffer.impl() != t.impl()) {
        Tensor target = t;
        target.copy_(buffer);
      }
    }
  }

  void broadcast_bytes(std::string& bytes, int root) override {
    std::uint64_t length = bytes.size();
    check_mpi(MPI_Bcast(&length, 1, MPI_UINT64_T, root, comm_), "MPI_Bcast (length)", rank_);
    bytes.resize(length);
    for (std::uint64_t done = 0; done < length;) {  // MPI counts are int: chunks below 2 GiB
      const int chunk = static_cast<int>(std::min<std::uint64_t>(length - done, INT_MAX));
      check_mpi(MPI_Bcast(bytes.data() + done, chunk, MPI_CHAR, root, comm_), "MPI_Bcast (bytes)", rank_);
      done += static_cast<std::uint64_t>(chunk);
    }
  }

  void barrier() override { check_mpi(MPI_Barrier(comm_), "MPI_Barrier", rank_); }

  [[noreturn]] void abort(int code) override {
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(comm_, code);
    std::_Exit(code);  // MPI_Abort does not return; this keeps [[noreturn]] honest
  }

 private:
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

}  // namespace

std::shared_ptr<Communicator> make_mpi_communicator() { return std::make_shared<MpiCommunicator>(); }

}  // namespace gf::dist::detail
