// Classification accuracy (gf/metrics/accuracy.hpp), counted by hand.
#include "helpers.hpp"
#include "io_helpers.hpp"
#include "gf/metrics/accuracy.hpp"

using namespace gf;

TEST_SUITE("accuracy") {
  TEST_CASE("counts the rows whose largest logit is at the label") {
    const Tensor logits = from_vector<float>({5, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 3}, {3, 4});
    const Tensor labels = from_vector<std::int64_t>({0, 1, 3}, {3});
    CHECK(metrics::correct_predictions(logits, labels) == 2);  // row 1's largest logit is at 2, not 1
    CHECK(metrics::accuracy(logits, labels) == doctest::Approx(2.0 / 3.0));
    CHECK(metrics::accuracy(logits, from_vector<std::int64_t>({0, 2, 3}, {3})) == 1.0);
  }
  TEST_CASE("mismatched or empty batches are named") {
    const Tensor logits = zeros({3, 4});
    GF_CHECK_CONTAINS(test::error_of([&] { metrics::accuracy(logits, from_vector<std::int64_t>({0, 1}, {2})); }),
                      "3 predictions for 2 labels");
    GF_CHECK_CONTAINS(test::error_of([] { metrics::accuracy(zeros({0, 4}), zeros({0}, {DType::kInt64})); }),
                      "0 predictions for 0 labels");
    GF_CHECK_CONTAINS(test::error_of([&] { metrics::accuracy(zeros({4}), from_vector<std::int64_t>({0}, {1})); }),
                      "expected logits (N, K), got (4,)");
  }
}
