// What the op table's CUDA-against-CPU check (test_op_table.cpp) does not
// cover: TF32 tensor-core math, and state an op updates in place (batch
// norm's running statistics). Each case skips itself when there is no GPU.
#include "cuda_helpers.hpp"

using namespace gf;
using namespace gf::test;

TEST_SUITE("cuda_ops") {
  TEST_CASE("matmul and conv2d with TF32 allowed stay within 1e-2") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    const Tf32Guard tf32(true);
    Draw d(6);
    check_on_gpu(
        "TF32 matmul (256, 512) @ (512, 384)", [](const Inputs& in) { return matmul(in[0], in[1]); },
        {d.normal({256, 512}), d.normal({512, 384})}, kTf32Rtol);
    check_on_gpu(
        "TF32 conv2d (8, 64, 16, 16) * (128, 64, 4, 4) stride 2",
        [](const Inputs& in) { return conv2d(in[0], in[1], Tensor(), Conv2dParams::make(2, 1)); },
        {d.normal({8, 64, 16, 16}), d.normal({128, 64, 4, 4})}, kTf32Rtol);
  }

  TEST_CASE("batch_norm training updates the running statistics like the CPU") {
    GF_SKIP_WITHOUT_GPU("cuda_ops");
    Draw d(9);
    for (const Shape& s : std::vector<Shape>{{4, 3, 5, 7}, {16, 5}, {2, 64, 8, 8}, {3, 2, 1, 1}}) {
      const std::int64_t C = s[1];
      // x, gamma, beta, running_mean, running_var (the last two updated in place).
      const Inputs in = {add(mul(d.normal(s), 2.0), 0.5), d.uniform({C}, 0.5, 1.5), d.normal({C}), d.normal({C}),
                         d.uniform({C}, 0.5, 2.0)};
      const auto train =
          check_on_gpu("batch_norm training " + s.str(),
                       [](const Inputs& t) { return batch_norm(t[0], t[1], t[2], t[3], t[4], true, 0.1, 1e-5); }, in,
                       kGpuRtol, {3, 4});
      INFO("running statistics after training ", s);
      check_gpu_matches(train.gpu[3], train.cpu[3]);
      check_gpu_matches(train.gpu[4], train.cpu[4]);
    }
  }
}
