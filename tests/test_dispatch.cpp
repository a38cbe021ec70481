// Picking kernels by device (src/dispatch.hpp): the table of the device's
// backend, whose members are that backend's twins; a CUDA device in a build
// without the CUDA backend is an error that names the device and the remedy.
#include "dispatch.hpp"
#include "gf/core/cuda_info.hpp"
#include "helpers.hpp"

using namespace gf;

TEST_SUITE("dispatch") {
  TEST_CASE("kernels_on: the CPU table for the CPU, the CUDA table or a clear error for a GPU") {
    const kernels::Backend& cpu = kernels_on(Device::cpu());
    CHECK(&cpu == &kernels::cpu_backend);
    CHECK((cpu.conv2d_forward == &gf::cpu::conv2d_forward));  // (parenthesised: doctest cannot print function pointers)
    CHECK((cpu.sgd_update == &gf::cpu::sgd_update));  // the last twin: the table is filled to the end
    if (cuda_is_built()) {
      CHECK(&kernels_on(Device::cuda(0)) != &kernels::cpu_backend);
    } else {
      CHECK_THROWS_WITH_AS(kernels_on(Device::cuda(0)),
                           "no kernel for device cuda:0 (this build of ganforge has no CUDA backend; rebuild with "
                           "-DGF_CUDA=ON)",
                           Error);
    }
  }
}
