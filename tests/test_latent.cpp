// Latent interpolation.
#include "helpers.hpp"

#include "gf/models/gan/latent.hpp"

using namespace gf;

TEST_SUITE("latent") {
  TEST_CASE("slerp follows the great circle between orthogonal unit vectors") {
    Tensor a = from_vector<double>({1, 0}, {2}), b = from_vector<double>({0, 1}, {2});
    GF_CHECK_CLOSE(models::slerp(a, b, 0.0), a, 0, 1e-12);
    GF_CHECK_CLOSE(models::slerp(a, b, 1.0), b, 0, 1e-12);
    // Halfway: (cos 45, sin 45), still unit length (a straight line gives 0.707).
    GF_CHECK_CLOSE(models::slerp(a, b, 0.5), from_vector<double>({std::sqrt(0.5), std::sqrt(0.5)}, {2}), 0, 1e-12);
  }

  TEST_CASE("parallel vectors fall back to a straight line; paths stack points") {
    Tensor a = from_vector<double>({1, 1}, {2});
    GF_CHECK_CLOSE(models::slerp(a, mul(a, 3.0), 0.5), from_vector<double>({2, 2}, {2}), 0, 1e-12);
    Tensor path = models::slerp_path(from_vector<double>({1, 0}, {2}), from_vector<double>({0, 1}, {2}), 5);
    CHECK(path.shape() == Shape{5, 2});
    CHECK_THROWS_AS(models::slerp_path(a, a, 1), gf::Error);
    CHECK_THROWS_AS(models::slerp(a, from_vector<double>({1, 2, 3}, {3}), 0.5), gf::Error);
  }
}
