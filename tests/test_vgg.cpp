// VGG-19 features: torchvision's layer names and parameter names, extraction
// that stops at the deepest layer asked for, ImageNet normalisation, and
// loading weights from a generated safetensors file.
#include "helpers.hpp"
#include "io_helpers.hpp"

#include "gf/io/safetensors.hpp"
#include "gf/models/style/vgg.hpp"

using namespace gf;
using namespace gf::models;

namespace {
// A VGG-19 with every width divided by 16: 4, 8, 16, 32, 32 channels.
std::shared_ptr<Vgg19Features> tiny_vgg(std::uint64_t seed, VggPooling pooling = VggPooling::kMax) {
  Rng gen(seed);
  return std::make_shared<Vgg19Features>(Vgg19Config{.pooling = pooling, .width_divisor = 16}, gen);
}
}  // namespace

TEST_SUITE("vgg") {
  TEST_CASE("layer names map to torchvision's indices") {
    CHECK(Vgg19Features::layer_names().size() == 37);
    CHECK(Vgg19Features::layer_index("conv1_1") == 0);
    CHECK(Vgg19Features::layer_index("relu1_1") == 1);
    CHECK(Vgg19Features::layer_index("pool1") == 4);
    CHECK(Vgg19Features::layer_index("relu2_1") == 6);
    CHECK(Vgg19Features::layer_index("relu3_1") == 11);
    CHECK(Vgg19Features::layer_index("relu4_1") == 20);
    CHECK(Vgg19Features::layer_index("conv4_2") == 21);
    CHECK(Vgg19Features::layer_index("relu5_1") == 29);
    CHECK(Vgg19Features::layer_index("relu5_4") == 35);
    CHECK(Vgg19Features::layer_index("pool5") == 36);
    GF_CHECK_CONTAINS(test::error_of([] { Vgg19Features::layer_index("relu6_1"); }), "valid layers: conv1_1, relu1_1");
  }

  TEST_CASE("parameters carry torchvision's state_dict names and shapes") {
    const auto state = tiny_vgg(1)->state_dict();
    REQUIRE(state.size() == 32);  // 16 convolutions, weight and bias
    CHECK(state.front().first == "features.0.weight");
    CHECK(state.front().second.shape() == Shape{4, 3, 3, 3});
    CHECK(state[2].first == "features.2.weight");
    CHECK(state[4].first == "features.5.weight");
    CHECK(state.back().first == "features.34.bias");
    CHECK(state.back().second.shape() == Shape{32});
    // The real network: 20,024,384 parameters in torchvision's vgg19().features.
    Rng gen(0);
    CHECK(Vgg19Features({}, gen).num_parameters() == 20024384);
  }

  TEST_CASE("extract returns the asked layers, normalised input, and stops at the deepest") {
    auto vgg = tiny_vgg(2);
    Rng gen(3);
    const Tensor x = rand({2, 3, 16, 24}, {}, &gen);
    const auto f = vgg->extract(x, {"relu2_1", "conv1_1", "conv4_2", "pool3"});
    REQUIRE(f.size() == 4);
    CHECK(f.at("conv1_1").shape() == Shape{2, 4, 16, 24});
    CHECK(f.at("relu2_1").shape() == Shape{2, 8, 8, 12});
    CHECK(f.at("pool3").shape() == Shape{2, 16, 2, 3});
    CHECK(f.at("conv4_2").shape() == Shape{2, 32, 2, 3});
    // conv1_1 is the first convolution applied to (x - mean) / std.
    const auto conv = vgg->features->at<nn::Conv2d>(0);
    const Tensor mean = from_vector<float>({0.485f, 0.456f, 0.406f}, {1, 3, 1, 1});
    const Tensor stdev = from_vector<float>({0.229f, 0.224f, 0.225f}, {1, 3, 1, 1});
    GF_CHECK_CLOSE(f.at("conv1_1"), conv2d((x - mean) / stdev, conv->weight, conv->bias, Conv2dParams::make(1, 1)),
                   1e-5, 1e-5);
    // relu1_1 = max(conv1_1, 0); the full forward ends at pool5.
    GF_CHECK_CLOSE(vgg->extract(x, {"relu1_1"}).at("relu1_1"), relu(f.at("conv1_1")), 0, 0);
    CHECK((*vgg)(rand({1, 3, 32, 32}, {}, &gen)).shape() == Shape{1, 32, 1, 1});
    // Only layers up to the deepest asked for take part: nothing deeper gets a gradient.
    const Tensor xg = x.clone().requires_grad_();
    sum(vgg->extract(xg, {"relu2_1"}).at("relu2_1")).backward();
    CHECK(vgg->features->at<nn::Conv2d>(5)->weight.grad().defined());
    CHECK_FALSE(vgg->features->at<nn::Conv2d>(7)->weight.grad().defined());
  }

  TEST_CASE("average pooling variant") {
    auto vgg = tiny_vgg(2, VggPooling::kAverage);
    CHECK(vgg->features->at<nn::AvgPool2d>(4)->kernel == 2);
    CHECK_THROWS_AS(vgg->features->at<nn::MaxPool2d>(4), Error);
  }

  TEST_CASE("load_vgg19_weights: names map onto the layers; problems are listed") {
    const test::TempDir dir("vgg");
    auto source = tiny_vgg(4);
    io::NamedTensors tensors;
    for (const auto& [name, t] : source->state_dict()) tensors.push_back({name, t});
    // A whole vgg19 state_dict also holds the classifier head: ignored.
    tensors.push_back({"classifier.0.weight", zeros({3, 5})});
    io::save_safetensors(dir.file("vgg.safetensors"), tensors);

    auto target = tiny_vgg(5);
    load_vgg19_weights(*target, dir.file("vgg.safetensors"));
    GF_CHECK_CLOSE(target->features->at<nn::Conv2d>(21)->weight, source->features->at<nn::Conv2d>(21)->weight, 0, 0);
    GF_CHECK_CLOSE(target->features->at<nn::Conv2d>(34)->bias, source->features->at<nn::Conv2d>(34)->bias, 0, 0);

    // One name dropped, one misspelt, one of the wrong shape.
    io::NamedTensors broken(tensors.begin(), tensors.end() - 2);  // drops classifier.0.weight and features.34.bias
    broken[0].first = "features.0.weigth";
    broken[2].second = zeros({4, 3, 3, 3});
    io::save_safetensors(dir.file("broken.safetensors"), broken);
    auto fresh = tiny_vgg(6);
    const Tensor before = fresh->features->at<nn::Conv2d>(2)->weight.clone();
    const std::string msg = test::error_of([&] { load_vgg19_weights(*fresh, dir.file("broken.safetensors")); });
    GF_CHECK_CONTAINS(msg, "broken.safetensors");
    GF_CHECK_CONTAINS(msg, "missing (2): features.0.weight, features.34.bias");
    GF_CHECK_CONTAINS(msg, "unexpected (1): features.0.weigth");
    GF_CHECK_CONTAINS(msg, "features.2.weight expects (4, 4, 3, 3), got (4, 3, 3, 3)");
    GF_CHECK_CLOSE(fresh->features->at<nn::Conv2d>(2)->weight, before, 0, 0);  // nothing changed

    // Integer tensors are not weights.
    io::NamedTensors ints = tensors;
    ints[1].second = zeros({4}, {DType::kInt64});
    io::save_safetensors(dir.file("ints.safetensors"), ints);
    GF_CHECK_CONTAINS(test::error_of([&] { load_vgg19_weights(*fresh, dir.file("ints.safetensors")); }),
                      "wrong dtype, floating point expected (1): features.0.bias is int64");

    // A missing file says how to make one.
    const std::string none = test::error_of([&] { load_vgg19_weights(*fresh, dir.file("nowhere.safetensors")); });
    GF_CHECK_CONTAINS(none, "no weights file");
    GF_CHECK_CONTAINS(none, "docs/style-transfer.md");
  }

  TEST_CASE("save_vgg19_weights: torchvision's names; inspect and load_vgg19 read the width back; metadata kept") {
    const test::TempDir dir("vgg_save");
    auto source = tiny_vgg(8);
    save_vgg19_weights(dir.file("narrow.safetensors"), *source, {{"trained_on", "nothing"}});
    const Vgg19WeightsInfo info = inspect_vgg19_weights(dir.file("narrow.safetensors"));
    CHECK(info.width_divisor == 16);
    CHECK(info.description == "VGG-19 taught by feature_train (narrow.safetensors)");
    const io::SafetensorsFile file = io::load_safetensors(dir.file("narrow.safetensors"));
    CHECK(file.tensors.count("features.34.bias") == 1);
    CHECK(file.metadata.at("trained_on") == "nothing");
    CHECK(file.metadata.at("width_divisor") == "16");
    CHECK(file.metadata.at("kind") == kVgg19FeaturesKind);
    const LoadedVgg19 loaded = load_vgg19(dir.file("narrow.safetensors"), VggPooling::kAverage);
    CHECK(loaded.vgg->config.width_divisor == 16);
    CHECK(loaded.vgg->config.pooling == VggPooling::kAverage);
    CHECK(loaded.info.description == info.description);
    GF_CHECK_CLOSE(loaded.vgg->features->at<nn::Conv2d>(0)->weight, source->features->at<nn::Conv2d>(0)->weight, 0,
                   0);
    GF_CHECK_CLOSE(loaded.vgg->features->at<nn::Conv2d>(34)->bias, source->features->at<nn::Conv2d>(34)->bias, 0, 0);

    // A file without ganforge's kind is torchvision's.
    io::NamedTensors plain;
    for (const auto& [name, t] : source->state_dict()) plain.push_back({name, t});
    io::save_safetensors(dir.file("vgg19.safetensors"), plain);
    CHECK(inspect_vgg19_weights(dir.file("vgg19.safetensors")).description == "pretrained VGG-19 (vgg19.safetensors)");

    // A file without conv1_1, or with a width no divisor gives, is named.
    io::save_safetensors(dir.file("empty.safetensors"), {{"features.2.weight", zeros({4, 4, 3, 3})}});
    GF_CHECK_CONTAINS(test::error_of([&] { inspect_vgg19_weights(dir.file("empty.safetensors")); }),
                      "empty.safetensors' holds no VGG-19 conv1_1 weight");
    io::save_safetensors(dir.file("odd.safetensors"), {{"features.0.weight", zeros({5, 3, 3, 3})}});
    GF_CHECK_CONTAINS(test::error_of([&] { inspect_vgg19_weights(dir.file("odd.safetensors")); }),
                      "conv1_1 has 5 output channels");
    GF_CHECK_CONTAINS(test::error_of([&] { load_vgg19(dir.file("nowhere.safetensors")); }), "no weights file");
  }

  TEST_CASE("perceptual_distance: unit feature vectors compared layer by layer, against plain loops") {
    auto vgg = tiny_vgg(7);
    Rng gen(8);
    const Tensor a = rand({2, 3, 20, 18}, {}, &gen), b = rand({2, 3, 20, 18}, {}, &gen);
    const std::vector<std::string> layers{"relu1_1", "relu2_1"};
    CHECK(perceptual_distance(*vgg, a, a, layers).item() == doctest::Approx(0.0).epsilon(1e-9));

    // d = 1/L sum_l mean_{n,h,w} sum_c (fa / |fa| - fb / |fb|)^2, in double.
    const auto fa = vgg->extract(a, layers), fb = vgg->extract(b, layers);
    double expected = 0;
    for (const auto& layer : layers) {
      const Tensor x = fa.at(layer).to(DType::kFloat64), y = fb.at(layer).to(DType::kFloat64);
      const auto xv = x.to_vector<double>(), yv = y.to_vector<double>();
      const std::int64_t N = x.size(0), C = x.size(1), P = x.size(2) * x.size(3);
      double layer_sum = 0;
      for (std::int64_t n = 0; n < N; ++n)
        for (std::int64_t p = 0; p < P; ++p) {
          double nx = 0, ny = 0;
          for (std::int64_t c = 0; c < C; ++c) {
            nx += xv[(n * C + c) * P + p] * xv[(n * C + c) * P + p];
            ny += yv[(n * C + c) * P + p] * yv[(n * C + c) * P + p];
          }
          nx = std::sqrt(nx) + 1e-10, ny = std::sqrt(ny) + 1e-10;
          for (std::int64_t c = 0; c < C; ++c) {
            const double d = xv[(n * C + c) * P + p] / nx - yv[(n * C + c) * P + p] / ny;
            layer_sum += d * d;
          }
        }
      expected += layer_sum / static_cast<double>(N * P) / static_cast<double>(layers.size());
    }
    const double got = perceptual_distance(*vgg, a, b, layers).item();
    CHECK(got == doctest::Approx(expected).epsilon(1e-4));
    CHECK(got > 0.0);
    CHECK(got <= 4.0);
    GF_CHECK_CONTAINS(test::error_of([&] { perceptual_distance(*vgg, a, b.narrow(3, 0, 16), layers); }),
                      "different shapes");
  }
}
