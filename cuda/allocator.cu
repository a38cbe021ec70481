// The CUDA caching allocator: one per GPU, on the shared size-class cache
// (src/core/caching_allocator.hpp), getting its blocks from cudaMalloc.
//
// Reusing a block without any synchronisation is safe because each device has
// one stream (cuda/context.cuh): a kernel that will read a reused block was
// queued after every kernel that used it before, so it runs after them too.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

#include "core/caching_allocator.hpp"
#include "cuda/allocator.cuh"
#include "cuda/check.cuh"
#include "cuda/context.cuh"
#include "cuda/runtime.hpp"

namespace gf::cuda {
namespace {

// 512 bytes: what cudaMalloc aligns to anyway, and a multiple of every
// vector width a kernel loads with.
constexpr std::size_t kCudaGranule = 512;

class CachingCudaAllocator final : public detail::CachingAllocator {
 public:
  explicit CachingCudaAllocator(int index) : index_(index) {}

 protected:
  std::size_t granule() const override { return kCudaGranule; }

  void* system_allocate(std::size_t bytes) override {
    DeviceGuard guard(Device::cuda(index_));
    void* p = nullptr;
    const cudaError_t status = cudaMalloc(&p, bytes);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();  // clear it: the caller may retry after emptying the cache
      return nullptr;
    }
    GF_CUDA_CHECK(status);
    return p;
  }

  void system_free(void* ptr) override {
    DeviceGuard guard(Device::cuda(index_));
    // cudaFree waits for the device, so queued kernels are done with the block.
    GF_CUDA_CHECK(cudaFree(ptr));
  }

  std::string out_of_memory_message(std::size_t bytes, const AllocatorStats& s) const override {
    std::size_t free_bytes = 0, total_bytes = 0;
    cudaMemGetInfo(&free_bytes, &total_bytes);
    return detail::concat("cuda allocator: out of memory on cuda:", index_, " allocating ", bytes, " bytes (",
                          s.allocated_bytes, " bytes in live tensors, ", free_bytes, " of ", total_bytes,
                          " bytes free on the device); use a smaller batch or image size");
  }

 private:
  int index_;
};

std::mutex allocators_mutex;

std::vector<CachingCudaAllocator*>& allocators() {
  // Never destroyed: tensors in static objects may be freed after main returns.
  static auto* table = new std::vector<CachingCudaAllocator*>();
  return *table;
}

void print_stats_at_exit() {
  const auto& table = allocators();
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (!table[i]) continue;
    const AllocatorStats s = table[i]->stats();
    std::fprintf(stderr,
                 "[gf] cuda:%zu allocator: allocated %zu B, reserved %zu B, peak %zu B, %llu cudaMalloc calls, "
                 "%llu cache hits\n",
                 i, s.allocated_bytes, s.reserved_bytes, s.peak_allocated_bytes,
                 static_cast<unsigned long long>(s.system_allocations),
                 static_cast<unsigned long long>(s.cache_hits));
  }
}

}  // namespace

Allocator& allocator(int index) {
  std::lock_guard<std::mutex> lock(allocators_mutex);
  const int count = device_count();
  GF_CHECK(index >= 0 && index < count, "cuda allocator: device cuda:", index, " does not exist (this machine has ",
           count, " CUDA device", count == 1 ? "" : "s", ")");
  auto& table = allocators();
  if (table.empty()) {
    const char* env = std::getenv("GF_CUDA_ALLOC_STATS");
    if (env && std::string(env) == "1") std::atexit(print_stats_at_exit);
  }
  if (table.size() < static_cast<std::size_t>(count)) table.resize(static_cast<std::size_t>(count), nullptr);
  auto& slot = table[static_cast<std::size_t>(index)];
  if (!slot) slot = new CachingCudaAllocator(index);
  return *slot;
}

AllocatorStats allocator_stats(int index) {
  std::lock_guard<std::mutex> lock(allocators_mutex);
  const auto& table = allocators();
  if (index < 0 || static_cast<std::size_t>(index) >= table.size() || !table[static_cast<std::size_t>(index)])
    return {};
  return table[static_cast<std::size_t>(index)]->stats();
}

void empty_cache() {
  std::lock_guard<std::mutex> lock(allocators_mutex);
  for (CachingCudaAllocator* a : allocators())
    if (a) a->empty_cache();
}

}  // namespace gf::cuda
