// The CUDA backend's presence checks. Tests that need a GPU skip themselves
// (doctest reports them as skipped) when this build or machine has none.
#include "helpers.hpp"

using namespace gf;

TEST_SUITE("cuda") {
  TEST_CASE("the build reports its CUDA backend consistently") {
    if (!cuda_is_built()) {
      MESSAGE("this build has no CUDA backend (GF_CUDA=OFF or nvcc/cuDNN not found)");
      CHECK(cuda_device_count() == 0);
    }
    CHECK(cuda_device_count() >= 0);
    CHECK(cuda_is_available() == (cuda_device_count() > 0));
  }
}
