// The CPU backend's kernel table: every twin of kernels/twins.inc, in its order.
#include "kernels/kernels.hpp"

namespace gf::kernels {

const Backend cpu_backend = {
#define GF_KERNEL_TWIN(name, params) &cpu::name,
#include "kernels/twins.inc"
#undef GF_KERNEL_TWIN
};

}  // namespace gf::kernels
