// FID: the eigen-solver, the Frechet distance on cases with known answers,
// and the classifier checkpoint that carries the reference statistics.
#include "helpers.hpp"
#include "io_helpers.hpp"

#include "gf/metrics/fid.hpp"
#include "gf/models/gan/classifier.hpp"

using namespace gf;
using namespace gf::metrics;

namespace {
FeatureStats gaussian(std::vector<double> mean, std::vector<double> cov) {
  const auto d = static_cast<std::int64_t>(mean.size());
  return {from_vector<double>(mean, {d}), from_vector<double>(cov, {d, d}), 100};
}
}  // namespace

TEST_SUITE("fid") {
  TEST_CASE("symmetric_eigen recovers a known decomposition") {
    // [[2, 1], [1, 2]] has eigenvalues 1 and 3 with vectors (1, -1)/sqrt2, (1, 1)/sqrt2.
    const SymmetricEigen e = symmetric_eigen(from_vector<double>({2, 1, 1, 2}, {2, 2}));
    GF_CHECK_CLOSE(e.values, from_vector<double>({1, 3}, {2}), 0, 1e-12);
    const auto v = e.vectors.to_vector<double>();
    CHECK(std::abs(v[0] * v[2] + v[1] * v[3]) < 1e-12);  // columns orthonormal
    CHECK(std::abs(std::abs(v[1]) - std::sqrt(0.5)) < 1e-12);
    // A random symmetric 6x6: V diag(l) V^T rebuilds it.
    Rng g(2);
    Tensor a = randn({6, 6}, {DType::kFloat64}, &g);
    Tensor s = (a + a.t()).contiguous();
    const SymmetricEigen r = symmetric_eigen(s);
    Tensor rebuilt = matmul(mul(r.vectors, r.values.unsqueeze(0)), r.vectors.t());
    GF_CHECK_CLOSE(rebuilt, s, 1e-10, 1e-10);
    CHECK_THROWS_AS(symmetric_eigen(zeros({2, 3}, {DType::kFloat64})), gf::Error);
  }

  TEST_CASE("Frechet distance of Gaussians with known answers") {
    // Identical distributions: 0.
    const FeatureStats a = gaussian({1, 2}, {2, 0.5, 0.5, 1});
    CHECK(frechet_distance(a, a) == doctest::Approx(0.0).epsilon(1e-9));
    // Diagonal covariances: |mu1 - mu2|^2 + sum (s1 + s2 - 2 sqrt(s1 s2)).
    const FeatureStats b = gaussian({0, 0}, {1, 0, 0, 4});
    const FeatureStats c = gaussian({3, 4}, {4, 0, 0, 9});
    const double expected = 25 + (1 + 4 - 2 * 2) + (4 + 9 - 2 * 6);
    CHECK(frechet_distance(b, c) == doctest::Approx(expected));
    CHECK(frechet_distance(c, b) == doctest::Approx(expected));
  }

  TEST_CASE("feature_stats: mean and unbiased covariance") {
    const FeatureStats s = feature_stats(from_vector<float>({1, 2, 3, 6, 5, 10}, {3, 2}));
    GF_CHECK_CLOSE(s.mean, from_vector<double>({3, 6}, {2}), 0, 1e-12);
    // x: 1,3,5 (var 4); y: 2,6,10 (var 16); cov 8
    GF_CHECK_CLOSE(s.cov, from_vector<double>({4, 8, 8, 16}, {2, 2}), 0, 1e-12);
    CHECK_THROWS_WITH_AS(feature_stats(zeros({1, 4})), doctest::Contains("at least 2"), gf::Error);
  }

  TEST_CASE("samples from the reference distribution score lower than shifted ones") {
    Rng g(4);
    const FeatureStats ref = feature_stats(randn({2000, 4}, {DType::kFloat64}, &g));
    const double same = frechet_distance(feature_stats(randn({2000, 4}, {DType::kFloat64}, &g)), ref);
    const double shifted = frechet_distance(feature_stats(add(randn({2000, 4}, {DType::kFloat64}, &g), 1.0)), ref);
    CHECK(same < 0.05);
    CHECK(shifted == doctest::Approx(4.0).epsilon(0.05));  // |(1,1,1,1)|^2
  }

  TEST_CASE("classifier checkpoints carry weights and FID statistics") {
    Rng g(5);
    models::FashionClassifier model(g);
    Tensor x = rand({3, 1, 28, 28}, {}, &g);
    CHECK(model(x).shape() == Shape{3, 10});
    CHECK(model.features(x).shape() == Shape{3, 128});
    CHECK_THROWS_WITH_AS(model(zeros({1, 3, 28, 28})), doctest::Contains("(1, 3, 28, 28)"), gf::Error);
    const FeatureStats stats = gaussian(std::vector<double>(128, 0.0), [] {
      std::vector<double> eye(128 * 128, 0.0);
      for (int i = 0; i < 128; ++i) eye[static_cast<std::size_t>(i * 129)] = 1.0;
      return eye;
    }());
    const test::TempDir dir("classifier");
    const std::string path = dir.file("cls.safetensors");
    models::save_classifier(path, model, stats, 0.5);
    const models::ClassifierCheckpoint c = models::load_classifier(path);
    CHECK(c.test_accuracy == 0.5);
    NoGradGuard no_grad;
    model.eval();
    GF_CHECK_CLOSE(c.model->features(x), model.features(x), 1e-6, 1e-6);
    CHECK(std::isfinite(models::classifier_fid(c, x)));
  }
}
