// The CPU caching allocator: alignment, reuse, statistics, and that a
// training step stops asking the system for memory after warm-up.
#include "helpers.hpp"

#include "gf/core/allocator.hpp"
#include "gf/models/gan/gan_trainer.hpp"

using namespace gf;

TEST_SUITE("allocator") {
  TEST_CASE("blocks are reused by size class") {
    cpu_empty_cache();
    void* first = nullptr;
    {
      Tensor a = empty({100000});  // 400 kB
      first = a.raw_data();
      CHECK(reinterpret_cast<std::uintptr_t>(first) % kCpuAlignment == 0);
    }
    const auto before = cpu_allocator_stats();
    Tensor b = empty({99000});  // a slightly smaller tensor of the same size class
    CHECK(b.raw_data() == first);
    const auto after = cpu_allocator_stats();
    CHECK(after.cache_hits == before.cache_hits + 1);
    CHECK(after.system_allocations == before.system_allocations);
    CHECK(after.allocated_bytes >= 99000 * 4);
    CHECK(after.reserved_bytes >= after.allocated_bytes);
    CHECK(after.peak_allocated_bytes >= after.allocated_bytes);
    // Small blocks too: a scalar's block comes back for the next scalar.
    void* small = nullptr;
    {
      Tensor s = scalar_tensor(1.0);
      small = s.raw_data();
    }
    CHECK(scalar_tensor(2.0).raw_data() == small);
  }

  TEST_CASE("empty_cache gives cached blocks back") {
    { Tensor a = empty({300000}); }
    CHECK(cpu_allocator_stats().reserved_bytes > cpu_allocator_stats().allocated_bytes);
    cpu_empty_cache();
    CHECK(cpu_allocator_stats().reserved_bytes == cpu_allocator_stats().allocated_bytes);
  }

  TEST_CASE("a DCGAN training step makes no system allocation after warm-up") {
    models::GanTrainerOptions o;
    o.model.ngf = 16;
    o.model.ndf = 16;
    o.ema_decay = 0.0;
    models::GanTrainer trainer(o);
    const Tensor real = zeros({16, 1, 28, 28});
    for (int i = 0; i < 3; ++i) trainer.train_step(real);  // warm-up: Adam state, caches
    const auto before = cpu_allocator_stats();
    for (int i = 0; i < 3; ++i) trainer.train_step(real);
    const auto after = cpu_allocator_stats();
    CHECK(after.system_allocations == before.system_allocations);
    CHECK(after.cache_hits > before.cache_hits);
  }
}
