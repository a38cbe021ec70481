// The NCCL backend: collectives on CUDA tensors, one rank per GPU. Built with
// the CUDA backend when nccl.h is found; the ranks find each other through
// MPI (rank 0's ncclUniqueId is broadcast over the bootstrap communicator).
//
// Streams: the CUDA backend runs every kernel of a GPU on one stream. An
// all-reduce on that stream would wait for the rest of backward, so NCCL gets
// a stream of its own: it waits (on the GPU, not the host) for the event
// "gradients written", reduces, and records "reduced"; wait() makes the
// compute stream wait for that event. The host never blocks, and backward
// kernels run while the bucket travels.
#include <cuda_runtime.h>
#include <nccl.h>

#include <cstdlib>
#include <cstring>

#include "cuda/context.cuh"
#include "dist/backends.hpp"

namespace gf::dist::detail {
namespace {

void check_nccl(ncclResult_t r, const char* call, int rank) {
  GF_CHECK(r == ncclSuccess, call, " failed on rank ", rank, ": ", ncclGetErrorString(r));
}
void check_cuda(cudaError_t e, const char* call, int rank) {
  GF_CHECK(e == cudaSuccess, call, " failed on rank ", rank, ": ", cudaGetErrorString(e));
}

ncclDataType_t nccl_type(DType t) {
  switch (t) {
    case DType::kFloat32: return ncclFloat32;
    case DType::kFloat64: return ncclFloat64;
    case DType::kInt64: return ncclInt64;
  }
  throw Error(gf::detail::concat("NCCL: no NCCL type for ", t));
}

class NcclWork : public Work {
 public:
  NcclWork(Tensor flat, cudaEvent_t done, cudaStream_t compute, int rank)
      : flat_(std::move(flat)), done_(done), compute_(compute), rank_(rank) {}
  ~NcclWork() override {
    // The buffer must outlive the reduction: order the compute stream (and so
    // the allocator's reuse of the buffer) after it.
    cudaStreamWaitEvent(compute_, done_, 0);
    cudaEventDestroy(done_);
  }
  bool test() override { return cudaEventQuery(done_) == cudaSuccess; }
  void wait() override { check_cuda(cudaStreamWaitEvent(compute_, done_, 0), "cudaStreamWaitEvent", rank_); }

 private:
  Tensor flat_;
  cudaEvent_t done_;
  cudaStream_t compute_;
  int rank_;
};

class NcclCommunicator : public Communicator {
 public:
  NcclCommunicator(Communicator& bootstrap, int device_index)
      : bootstrap_(bootstrap), device_(Device::cuda(device_index)), rank_(bootstrap.rank()),
        size_(bootstrap.size()) {
    cuda::DeviceGuard guard(device_);
    ncclUniqueId id;
    std::string bytes;
    if (rank_ == 0) {
      check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId", rank_);
      bytes.assign(reinterpret_cast<const char*>(&id), sizeof(id));
    }
    bootstrap_.broadcast_bytes(bytes, 0);
    GF_CHECK(bytes.size() == sizeof(id), "NCCL: the id from rank 0 has ", bytes.size(), " bytes, expected ",
             sizeof(id));
    std::memcpy(&id, bytes.data(), sizeof(id));
    check_nccl(ncclCommInitRank(&comm_, size_, id, rank_), "ncclCommInitRank", rank_);
    check_cuda(cudaStreamCreateWithFlags(&comm_stream_, cudaStreamNonBlocking), "cudaStreamCreate", rank_);
  }
  ~NcclCommunicator() override {
    ncclCommDestroy(comm_);
    cudaStreamDestroy(comm_stream_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "nccl"; }

  std::unique_ptr<Work> all_reduce_async(const Tensor& flat, ReduceOp op) override {
    check_device(flat, "all_reduce");
    cuda::DeviceGuard guard(device_);
    const cudaStream_t compute = cuda::stream(device_.index);
    cudaEvent_t ready, done;
    check_cuda(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming), "cudaEventCreate", rank_);
    check_cuda(cudaEventCreateWithFlags(&done, cudaEventDisableTiming), "cudaEventCreate", rank_);
    check_cuda(cudaEventRecord(ready, compute), "cudaEventRecord", rank_);
    check_cuda(cudaStreamWaitEvent(comm_stream_, ready, 0), "cudaStreamWaitEvent", rank_);
    cudaEventDestroy(ready);  // released once recorded work completes
    check_nccl(ncclAllReduce(flat.raw_data(), flat.raw_data(), static_cast<std::size_t>(flat.numel()),
                             nccl_type(flat.dtype()), op == ReduceOp::kMean ? ncclAvg : ncclSum, comm_, comm_stream_),
               "ncclAllReduce", rank_);
    check_cuda(cudaEventRecord(done, comm_stream_), "cudaEventRecord", rank_);
    return std::make_unique<NcclWork>(flat, done, compute, rank_);
  }

  void broadcast(const std::vector<Tensor>& tensors, int root) override {
    cuda::DeviceGuard guard(device_);
    for (const Tensor& t : tensors) {
      check_device(t, "broadcast");
      check_nccl(ncclBroadcast(t.raw_data(), t.raw_data(), static_cast<std::size_t>(t.numel()), nccl_type(t.dtype()),
                               root, comm_, cuda::stream(device_.index)),
                 "ncclBroadcast", rank_);
    }
  }

  void broadcast_bytes(std::string& bytes, int root) override { bootstrap_.broadcast_bytes(bytes, root); }

  void barrier() override {
    cuda::synchronize(device_.index);
    bootstrap_.barrier();
  }

  [[noreturn]] void abort(int code) override {
    ncclCommAbort(comm_);
    bootstrap_.abort(code);
    std::_Exit(code);  // not reached: the bootstrap's abort ends the process
  }

 private:
  void check_device(const Tensor& t, const char* call) const {
    GF_CHECK(t.device() == device_, call, ": the NCCL communicator of rank ", rank_, " works on ", device_,
             ", got a tensor on ", t.device());
    GF_CHECK(t.is_contiguous(), call, ": the tensor must be contiguous (shape ", t.shape(), ")");
  }

  Communicator& bootstrap_;
  Device device_;
  int rank_, size_;
  ncclComm_t comm_ = nullptr;
  cudaStream_t comm_stream_ = nullptr;
};

}  // namespace

std::shared_ptr<Communicator> make_nccl_communicator(Communicator& bootstrap, int device_index) {
  return std::make_shared<NcclCommunicator>(bootstrap, device_index);
}

}  // namespace gf::dist::detail
