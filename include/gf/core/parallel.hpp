#pragma once
// CPU threading: one place that decides how loops split over cores.
#include <cstdint>
#include <functional>

namespace gf {

/// Threads CPU kernels use (default: all cores, from OpenMP).
int num_threads();
void set_num_threads(int n);

/// Calls fn(begin, end) on contiguous chunks of [begin, end) spread over the
/// threads, each chunk at least `grain` long; runs inline when the range is
/// small or we are already inside a parallel region. Chunk boundaries depend
/// only on the range and the thread count, so results are reproducible.
void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain,
                  const std::function<void(std::int64_t, std::int64_t)>& fn);

}  // namespace gf
