// DataLoader: seeded shuffles, batch assembly, resume, the background thread.
#include <numeric>
#include <set>

#include "gf/data/loader.hpp"
#include "helpers.hpp"
#include "io_helpers.hpp"

using namespace gf;
using namespace gf::data;

namespace {

// n examples; image i is a (1, 3, 3) ramp offset by i, label i % 10; get()
// throws for index `bad` to test error delivery.
class CountingDataset : public Dataset {
 public:
  explicit CountingDataset(std::int64_t n, std::int64_t bad = -1) : n_(n), bad_(bad) {}
  std::int64_t size() const override { return n_; }
  Example get(std::int64_t i) const override {
    GF_CHECK(i != bad_, "CountingDataset: example ", i, " is broken");
    return {arange(0, 9).view({1, 3, 3}) + static_cast<double>(i), i % 10};
  }

 private:
  std::int64_t n_, bad_;
};

std::vector<Batch> all_batches(const DataLoader& loader, std::int64_t epoch, std::int64_t first = 0) {
  std::vector<Batch> out;
  for (auto& batch : loader.epoch(epoch, first)) out.push_back(batch);
  return out;
}

std::vector<std::int64_t> visited(const std::vector<Batch>& batches) {
  std::vector<std::int64_t> out;
  for (const auto& b : batches) out.insert(out.end(), b.indices.begin(), b.indices.end());
  return out;
}

bool same_batches(const std::vector<Batch>& a, const std::vector<Batch>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (a[k].indices != b[k].indices || a[k].index != b[k].index ||
        a[k].images.to_vector<float>() != b[k].images.to_vector<float>() ||
        a[k].labels.to_vector<std::int64_t>() != b[k].labels.to_vector<std::int64_t>())
      return false;
  return true;
}

}  // namespace

TEST_SUITE("loader") {
  TEST_CASE("every index exactly once per epoch; batches stack images and labels") {
    auto data = std::make_shared<CountingDataset>(10);
    const DataLoader loader(data, {.batch_size = 3, .seed = 4});
    CHECK(loader.batches_per_epoch() == 4);
    const auto batches = all_batches(loader, 0);
    REQUIRE(batches.size() == 4);
    CHECK(batches[0].images.shape() == Shape{3, 1, 3, 3});
    CHECK(batches[3].images.shape() == Shape{1, 1, 3, 3});  // the remainder
    auto order = visited(batches);
    CHECK(order == loader.order(0));
    std::sort(order.begin(), order.end());
    CHECK(order == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    for (const auto& b : batches) {
      CHECK(b.labels.dtype() == DType::kInt64);
      CHECK(b.epoch == 0);
      const auto images = b.images.to_vector<float>();
      const auto labels = b.labels.to_vector<std::int64_t>();
      for (std::size_t r = 0; r < b.indices.size(); ++r) {
        CHECK(labels[r] == b.indices[r] % 10);
        for (std::size_t p = 0; p < 9; ++p) CHECK(images[r * 9 + p] == static_cast<float>(b.indices[r] + p));
      }
    }
  }

  TEST_CASE("same seed same order; new epoch or seed, new order; no shuffle keeps dataset order") {
    auto data = std::make_shared<CountingDataset>(50);
    const DataLoader a(data, {.batch_size = 8, .seed = 1}), b(data, {.batch_size = 8, .seed = 1});
    const DataLoader c(data, {.batch_size = 8, .seed = 2});
    CHECK(a.order(0) == b.order(0));
    CHECK(visited(all_batches(a, 3)) == visited(all_batches(b, 3)));
    CHECK(a.order(0) != a.order(1));
    CHECK(a.order(0) != c.order(0));
    std::vector<std::int64_t> identity(50);
    std::iota(identity.begin(), identity.end(), 0);
    CHECK(a.order(0) != identity);
    for (std::int64_t e = 0; e < 5; ++e) {
      auto o = a.order(e);
      std::sort(o.begin(), o.end());
      CHECK(o == identity);
    }
    const DataLoader plain(data, {.batch_size = 8, .shuffle = false});
    CHECK(visited(all_batches(plain, 0)) == identity);
    CHECK(visited(all_batches(plain, 7)) == identity);
  }

  TEST_CASE("drop_last leaves out the short batch") {
    auto data = std::make_shared<CountingDataset>(10);
    const DataLoader loader(data, {.batch_size = 3, .drop_last = true, .seed = 9});
    CHECK(loader.batches_per_epoch() == 3);
    const auto batches = all_batches(loader, 2);
    REQUIRE(batches.size() == 3);
    for (const auto& b : batches) CHECK(b.images.size(0) == 3);
    const auto order = visited(batches);
    CHECK(std::set<std::int64_t>(order.begin(), order.end()).size() == 9);
    const auto full = loader.order(2);
    CHECK(order == std::vector<std::int64_t>(full.begin(), full.begin() + 9));
    CHECK(all_batches(DataLoader(data, {.batch_size = 11, .drop_last = true}), 0).empty());
  }

  TEST_CASE("the background thread gives exactly the batches of a synchronous run") {
    auto data = std::make_shared<CountingDataset>(37);
    namespace T = gf::data::transforms;
    LoaderOptions options{.batch_size = 5, .seed = 123,
                          .transform = Compose({T::random_crop(3, 3, 1), T::random_horizontal_flip(),
                                                T::random_rotation(20), T::normalize()})};
    options.prefetch = 0;
    const auto sync = all_batches(DataLoader(data, options), 4);
    for (int prefetch : {1, 2, 4}) {
      CAPTURE(prefetch);
      options.prefetch = prefetch;
      CHECK(same_batches(all_batches(DataLoader(data, options), 4), sync));
    }
    // The transform really ran, with different draws for different examples.
    options.transform = {};
    CHECK_FALSE(same_batches(all_batches(DataLoader(data, options), 4), sync));
  }

  TEST_CASE("a resumed epoch continues with the same batches") {
    auto data = std::make_shared<CountingDataset>(23);
    const DataLoader loader(data, {.batch_size = 4, .seed = 77, .transform = transforms::random_horizontal_flip()});
    const auto whole = all_batches(loader, 5);
    const auto rest = all_batches(loader, 5, 3);
    REQUIRE(rest.size() == whole.size() - 3);
    CHECK(same_batches(rest, std::vector<Batch>(whole.begin() + 3, whole.end())));
    CHECK(rest[0].index == 3);
    CHECK(all_batches(loader, 5, loader.batches_per_epoch()).empty());
    CHECK_THROWS_WITH_AS(loader.epoch(5, 7), doctest::Contains("first batch 7 out of range; an epoch has 6 batches"),
                         gf::Error);
  }

  TEST_CASE("next() style, and stopping early shuts the thread down") {
    auto data = std::make_shared<CountingDataset>(100);
    const DataLoader loader(data, {.batch_size = 2, .seed = 3, .prefetch = 3});
    Epoch epoch = loader.epoch(0);
    std::int64_t n = 0;
    while (auto batch = epoch.next()) {
      CHECK(batch->index == n);
      if (++n == 5) break;  // the worker is blocked on a full queue; the destructor must wake it
    }
    Epoch moved = std::move(epoch);
    CHECK(moved.next()->index == 5);
    moved = loader.epoch(1);  // replaces a running epoch
    CHECK(moved.next()->epoch == 1);
  }

  TEST_CASE("errors while preparing a batch reach the consumer in the batch's turn") {
    auto data = std::make_shared<CountingDataset>(12, /*bad=*/7);
    for (int prefetch : {0, 2}) {
      CAPTURE(prefetch);
      const DataLoader loader(data, {.batch_size = 4, .shuffle = false, .prefetch = prefetch});
      Epoch epoch = loader.epoch(0);
      CHECK(epoch.next()->index == 0);  // examples 0..3 are fine
      CHECK_THROWS_WITH_AS(epoch.next(), doctest::Contains("example 7 is broken"), gf::Error);
    }
    // Images of different sizes in one batch: a clear message, not garbage.
    class Ragged : public Dataset {
     public:
      std::int64_t size() const override { return 2; }
      Example get(std::int64_t i) const override { return {zeros({1, 2 + i, 2}), 0}; }
    };
    const DataLoader ragged(std::make_shared<Ragged>(), {.batch_size = 2, .shuffle = false});
    CHECK_THROWS_WITH_AS(all_batches(ragged, 0), doctest::Contains("example 1 has shape (1, 3, 2) but example 0"),
                         gf::Error);
    CHECK_THROWS_WITH_AS(DataLoader(data, {.batch_size = 0}), doctest::Contains("batch_size must be positive"),
                         gf::Error);
  }
}
