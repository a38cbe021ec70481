// DCGAN models: the reference layouts' parameter counts and shapes, the
// conditional variant, spectral normalisation.
#include "helpers.hpp"

#include "gf/models/gan/dcgan.hpp"

using namespace gf;
using namespace gf::models;

TEST_SUITE("dcgan") {
  TEST_CASE("DCGAN-28 matches the issue's layout exactly") {
    Rng gen(1);
    auto G = std::make_shared<DcganGenerator>(dcgan28(), gen);
    auto D = std::make_shared<DcganDiscriminator>(dcgan28(), gen);
    // G: 100*256*49 + 2*256 + 256*128*16 + 2*128 + 128*1*16
    CHECK(G->num_parameters() == 1254400 + 512 + 524288 + 256 + 2048);
    // D: 1*64*16 + 64*128*16 + 2*128 + 128*1*49
    CHECK(D->num_parameters() == 1024 + 131072 + 256 + 6272);
    Tensor z = randn({3, 100}, {}, &gen);
    Tensor x = (*G)(z);
    CHECK(x.shape() == Shape{3, 1, 28, 28});
    for (float v : x.to_vector<float>()) CHECK((v >= -1.0f && v <= 1.0f));
    CHECK((*D)(x).shape() == Shape{3});
    const std::string tree = G->str();
    CHECK(tree.find("ConvTranspose2d") != std::string::npos);
    CHECK(D->summary(x).find("(3, 128, 7, 7)") != std::string::npos);
  }

  TEST_CASE("DCGAN-64 is the Radford et al. network") {
    Rng gen(2);
    auto G = std::make_shared<DcganGenerator>(dcgan64(), gen);
    auto D = std::make_shared<DcganDiscriminator>(dcgan64(), gen);
    CHECK(G->num_parameters() == 3576704);
    CHECK(D->num_parameters() == 2765568);
    NoGradGuard no_grad;
    G->eval();
    Tensor x = (*G)(randn({2, 100, 1, 1}, {}, &gen));
    CHECK(x.shape() == Shape{2, 3, 64, 64});
    CHECK((*D)(x).shape() == Shape{2});
  }

  TEST_CASE("parameter counts computed without building equal the built models'") {
    Rng gen(3);
    std::vector<DcganConfig> configs{dcgan28(), dcgan64()};
    DcganConfig c32 = dcgan28();
    c32.image_size = 32, c32.channels = 3, c32.ngf = 12, c32.ndf = 20, c32.nz = 7;
    configs.push_back(c32);
    DcganConfig conditional = dcgan28();
    conditional.num_classes = 10, conditional.embed_dim = 6, conditional.spectral_norm = true;
    configs.push_back(conditional);
    for (const DcganConfig& c : configs) {
      CAPTURE(c.name());
      CHECK(generator_parameter_count(c) == static_cast<double>(DcganGenerator(c, gen).num_parameters()));
      CHECK(discriminator_parameter_count(c) == static_cast<double>(DcganDiscriminator(c, gen).num_parameters()));
    }
    DcganConfig huge = dcgan64();
    huge.ngf = std::int64_t{1} << 40;  // no overflow, no allocation: just a large number
    CHECK(generator_parameter_count(huge) > 1e24);
  }

  TEST_CASE("DCGAN init: conv weights N(0, 0.02), batch-norm gamma N(1, 0.02), beta 0") {
    Rng gen(3);
    DcganGenerator G(dcgan28(), gen);
    const auto w = G.main->at<nn::ConvTranspose2d>(0)->weight.to_vector<double>();
    double m = 0, s = 0;
    for (double v : w) m += v / w.size();
    for (double v : w) s += (v - m) * (v - m) / w.size();
    CHECK(std::abs(m) < 1e-3);
    CHECK(std::sqrt(s) == doctest::Approx(0.02).epsilon(0.02));
    const auto bn = G.main->at<nn::BatchNorm2d>(1);
    for (double v : bn->bias.to_vector<double>()) CHECK(v == 0.0);
  }

  TEST_CASE("32x32 RGB and errors") {
    Rng gen(4);
    DcganConfig c;
    c.image_size = 32;
    c.channels = 3;
    auto G = std::make_shared<DcganGenerator>(c, gen);
    auto D = std::make_shared<DcganDiscriminator>(c, gen);
    Tensor x = (*G)(randn({2, 100}, {}, &gen));
    CHECK(x.shape() == Shape{2, 3, 32, 32});
    CHECK((*D)(x).shape() == Shape{2});
    CHECK_THROWS_WITH_AS((*D)(zeros({2, 3, 28, 28})), doctest::Contains("(2, 3, 28, 28)"), gf::Error);
    c.image_size = 48;
    CHECK_THROWS_WITH_AS(DcganGenerator(c, gen), doctest::Contains("28, 32 or 64"), gf::Error);
    CHECK_THROWS_AS(dcgan_config_by_name("dcgan99"), gf::Error);
  }

  TEST_CASE("conditional models take labels and use them") {
    Rng gen(5);
    DcganConfig c = dcgan28();
    c.num_classes = 10;
    auto G = std::make_shared<DcganGenerator>(c, gen);
    auto D = std::make_shared<DcganDiscriminator>(c, gen);
    G->eval();
    Tensor z = randn({1, 100}, {}, &gen);
    Tensor a = G->forward(z, from_vector<std::int64_t>({7}, {1}));
    Tensor b = G->forward(z, from_vector<std::int64_t>({0}, {1}));
    CHECK(a.shape() == Shape{1, 1, 28, 28});
    // The label changes the image (by a good fraction of its magnitude).
    CHECK(sum(abs(a - b)).item() > 0.1 * sum(abs(a)).item());
    CHECK(D->forward(a, from_vector<std::int64_t>({7}, {1})).shape() == Shape{1});
    CHECK_THROWS_WITH_AS((*G)(z), doctest::Contains("labels"), gf::Error);
    CHECK_THROWS_WITH_AS(G->forward(z, from_vector<std::int64_t>({10}, {1})), doctest::Contains("label 10"), gf::Error);
  }

  TEST_CASE("spectral norm divides the weight by its largest singular value") {
    Rng gen(6);
    // A weight with known singular values: diag(3, 1) as a 2x2 linear map.
    auto lin = nn::make<nn::Linear>({.in = 2, .out = 2, .bias = false, .gen = &gen});
    {
      NoGradGuard no_grad;
      lin->weight.copy_(from_vector<float>({3, 0, 0, 1}, {2, 2}));
    }
    auto sn = std::make_shared<nn::SpectralNorm>(lin, lin->weight, gen);
    Tensor x = from_vector<float>({1, 1}, {1, 2});
    Tensor y;
    for (int i = 0; i < 20; ++i) y = (*sn)(x);  // power iteration converges
    CHECK(sn->sigma() == doctest::Approx(3.0).epsilon(1e-4));
    CHECK(y.to_vector<float>()[0] == doctest::Approx(1.0).epsilon(1e-3));
    CHECK(y.to_vector<float>()[1] == doctest::Approx(1.0 / 3.0).epsilon(1e-3));
    CHECK(lin->weight.to_vector<float>()[0] == 3.0f);  // the parameter itself is untouched
    // Gradient reaches the raw weight through sigma.
    sum((*sn)(x)).backward();
    CHECK(lin->weight.grad().defined());
    // u and v are buffers: saved with the model.
    bool has_u = false;
    for (auto& [name, t] : sn->state_dict()) has_u |= name == "u";
    CHECK(has_u);
  }

  TEST_CASE("spectral-norm discriminator trains end to end") {
    Rng gen(7);
    DcganConfig c = dcgan28();
    c.spectral_norm = true;
    c.ndf = 8;
    auto D = std::make_shared<DcganDiscriminator>(c, gen);
    Tensor logits = (*D)(randn({2, 1, 28, 28}, {}, &gen));
    sum(logits).backward();
    for (auto& p : D->parameters()) CHECK(p.grad().defined());
  }
}
