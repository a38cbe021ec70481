// Tensors on the GPU: moving them there and back, copies, views and dtype
// conversions of strided views, random numbers, reading values, and the
// errors for a missing device or mixed devices. The GPU cases skip themselves
// without a GPU; the missing-device errors are checked in every build.
#include "cuda_helpers.hpp"

using namespace gf;
using gf::test::check_gpu_matches;
using gf::test::check_identical;
using gf::test::check_on_gpu;
using gf::test::Draw;
using gf::test::Inputs;

TEST_SUITE("cuda_tensor") {
  TEST_CASE("to(cuda) and back is bit-exact for every dtype") {
    GF_SKIP_WITHOUT_GPU("cuda_tensor");
    Draw d(1);
    const Tensor f = d.normal({3, 1031});
    for (const Tensor& t : {f, f.to(DType::kFloat64), d.labels({257}, 1000)}) {
      const Tensor gpu = t.to(Device::cuda());
      CHECK(gpu.device() == Device::cuda());
      CHECK(gpu.to(Device::cuda()).is_same(gpu));  // already there: no copy
      check_identical(gpu.to(Device::cpu()), t);
    }
    check_identical(f.to(Device::cuda()).clone().to(Device::cpu()), f);  // a copy made on the GPU
  }

  TEST_CASE("contiguous, clone and to(dtype) of strided views") {
    GF_SKIP_WITHOUT_GPU("cuda_tensor");
    Draw d(2);
    using View = Tensor (*)(const Tensor&);
    const std::vector<std::pair<const char*, View>> views = {
        {"transpose(0, 2)", [](const Tensor& t) { return t.transpose(0, 2); }},
        {"permute(2, 0, 1)", [](const Tensor& t) { return t.permute({2, 0, 1}); }},
        {"slice step 2", [](const Tensor& t) { return t.slice(1, 1, 5, 2); }},
        {"narrow + select", [](const Tensor& t) { return t.narrow(2, 1, 4).select(0, 2); }},
        {"expand of a size-1 dim", [](const Tensor& t) { return t.narrow(1, 0, 1).expand({-1, 3, -1}); }},
    };
    const Tensor x = d.normal({4, 5, 7});
    for (const auto& [name, view] : views) {
      INFO(std::string(name));
      const Tensor cpu = view(x), gpu = view(x.to(Device::cuda()));
      check_identical(gpu.contiguous().to(Device::cpu()), cpu.contiguous());
      check_identical(gpu.clone().to(Device::cpu()), cpu.clone());
      check_identical(gpu.to(Device::cpu()), cpu);  // to(cpu) of a view gathers it
      check_gpu_matches(gpu.to(DType::kFloat64), cpu.to(DType::kFloat64), 0.0);
      check_gpu_matches(mul(gpu, 100.0).to(DType::kInt64), mul(cpu, 100.0).to(DType::kInt64));
    }
    // Gradients flow back through views and conversions on the GPU too.
    check_on_gpu("sum of a float64 transposed copy",
                 [](const Inputs& in) { return sum(square(in[0].transpose(0, 1).contiguous().to(DType::kFloat64))); },
                 {x});
  }

  TEST_CASE("copy_ into strided views, with broadcasting and conversion; fill_") {
    GF_SKIP_WITHOUT_GPU("cuda_tensor");
    Draw d(3);
    const Tensor src = d.normal({6, 4}), row = d.normal({1, 4});
    Tensor cpu = zeros({6, 8}), gpu = zeros({6, 8}, {DType::kFloat32, Device::cuda()});
    cpu.slice(1, 0, 8, 2).copy_(src);
    gpu.slice(1, 0, 8, 2).copy_(src.to(Device::cuda()));
    cpu.slice(1, 1, 8, 2).copy_(row.to(DType::kFloat64));
    gpu.slice(1, 1, 8, 2).copy_(row.to(DType::kFloat64).to(Device::cuda()));
    cpu.narrow(0, 2, 3).select(1, 3).fill_(-2.5);
    gpu.narrow(0, 2, 3).select(1, 3).fill_(-2.5);
    check_gpu_matches(gpu, cpu, 0.0);
    const Tensor ones_gpu = ones({2, 3}, {DType::kFloat64, Device::cuda()});
    check_gpu_matches(ones_gpu, ones({2, 3}, {DType::kFloat64}), 0.0);
  }

  TEST_CASE("item() and to_vector() read GPU values") {
    GF_SKIP_WITHOUT_GPU("cuda_tensor");
    const Tensor v = from_vector<float>({1.5f, -2.0f, 3.25f}, {3}, {DType::kFloat32, Device::cuda()});
    CHECK(v.device() == Device::cuda());
    CHECK(v.to_vector<float>() == std::vector<float>{1.5f, -2.0f, 3.25f});
    CHECK(v.to_vector<double>() == std::vector<double>{1.5, -2.0, 3.25});
    CHECK(v.select(0, 2).item<double>() == 3.25);
    CHECK(sum(v).item() == doctest::Approx(2.75));
    CHECK(argmax(v).item<std::int64_t>() == 2);
    CHECK(v.slice(0, 0, 3, 2).to_vector<float>() == std::vector<float>{1.5f, 3.25f});
    const Tensor i = from_vector<std::int64_t>({7, -9}, {2}, {DType::kInt64, Device::cuda()});
    CHECK(i.to_vector<std::int64_t>() == std::vector<std::int64_t>{7, -9});
    CHECK(scalar_tensor(0.125, {DType::kFloat64, Device::cuda()}).item() == 0.125);
  }

  TEST_CASE("randn, rand and randint on the GPU equal the CPU's for the same seed") {
    GF_SKIP_WITHOUT_GPU("cuda_tensor");
    for (const Shape& s : std::vector<Shape>{{1}, {7}, {3, 33}, {64, 100}}) {
      INFO(s);
      Rng gc(5), gg(5);
      check_identical(randn(s, {DType::kFloat32, Device::cuda()}, &gg), randn(s, {}, &gc));
      check_identical(rand(s, {DType::kFloat64, Device::cuda()}, &gg), rand(s, {DType::kFloat64}, &gc));
      check_identical(randint(-3, 11, s, {DType::kInt64, Device::cuda()}, &gg), randint(-3, 11, s, {DType::kInt64}, &gc));
      // Both streams advanced by the same amount.
      CHECK(gg.state().counter == gc.state().counter);
    }
  }

  TEST_CASE("an op mixing CPU and GPU tensors names both devices") {
    GF_SKIP_WITHOUT_GPU("cuda_tensor");
    const Tensor c = ones({2, 3}), g = ones({2, 3}, {DType::kFloat32, Device::cuda()});
    const Tensor w = ones({4, 3, 1, 1}, {DType::kFloat32, Device::cuda()});
    CHECK_THROWS_WITH_AS(add(c, g), doctest::Contains("add: inputs on different devices (cpu and cuda:0)"), Error);
    CHECK_THROWS_WITH_AS(matmul(g, c.t()), doctest::Contains("cuda:0 and cpu"), Error);
    CHECK_THROWS_WITH_AS(conv2d(ones({1, 3, 2, 2}), w), doctest::Contains("input is on cpu, weight on cuda:0"), Error);
    CHECK_THROWS_WITH_AS(mse_loss(g, c), doctest::Contains("cuda:0"), Error);
    CHECK_THROWS_WITH_AS(cat({c, g}, 0), doctest::Contains("cuda:0"), Error);
    Tensor dst = zeros({2, 3});
    CHECK_THROWS_WITH_AS(dst.copy_(g), doctest::Contains("source is on cuda:0, destination on cpu"), Error);
  }

  TEST_CASE("a GPU that does not exist is named in the error (every build)") {
    // Runs without a GPU too: then the message says the build has no CUDA
    // backend or the machine has no such device.
    if (cuda_device_count() > 7) {
      MESSAGE("skipped: this machine has ", cuda_device_count(), " GPUs, so cuda:7 exists");
      return;
    }
    CHECK_THROWS_WITH_AS(zeros({2}, {DType::kFloat32, Device::cuda(7)}), doctest::Contains("cuda:7"), Error);
    CHECK_THROWS_WITH_AS(ones({2, 2}).to(Device::cuda(7)), doctest::Contains("cuda:7"), Error);
    if (!cuda_is_built()) {
      CHECK_THROWS_WITH_AS(zeros({2}, {DType::kFloat32, Device::cuda()}), doctest::Contains("without the CUDA backend"),
                           Error);
    } else {
      const std::string count = "this machine has " + std::to_string(cuda_device_count());
      CHECK_THROWS_WITH_AS(zeros({2}, {DType::kFloat32, Device::cuda(7)}), doctest::Contains(count.c_str()), Error);
    }
  }
}
