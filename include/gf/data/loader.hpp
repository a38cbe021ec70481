#pragma once
// DataLoader: a Dataset in shuffled batches, prepared by a background thread
// while the current batch trains.
//
//   auto train = std::make_shared<gf::data::FashionMnist>(gf::data::Split::kTrain);
//   gf::data::DataLoader loader(train, {.batch_size = 64, .seed = 1,
//                                       .transform = gf::data::transforms::normalize()});
//   for (std::int64_t e = 0; e < epochs; ++e)
//     for (auto& batch : loader.epoch(e)) {
//       // batch.images (64, 1, 28, 28) float32, batch.labels (64,) int64
//     }
//
// Reproducible by construction: epoch e visits the examples in order(e), a
// permutation that depends on (seed, e) only, and example i's transform draws
// from an Rng seeded by (seed, e, i). Batches therefore do not depend on
// thread timing, and a resumed run asking for loader.epoch(e, first_batch)
// gets exactly the batches the interrupted run would have seen.
//
// Data-parallel training (docs/distributed.md): with world_size W > 1 every
// rank builds the same loader with its own rank. Batch b of epoch e is then
// the global batch order(e)[b G, (b + 1) G), G = W batch_size, and rank r
// takes the r-th of its W equal shares: the ranks together see every example
// of the epoch once, and exactly the batches one process at batch size G sees.
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "gf/data/dataset.hpp"
#include "gf/data/transforms.hpp"

namespace gf::data {

struct LoaderOptions {
  std::int64_t batch_size = 64;
  bool shuffle = true;      // a new permutation every epoch; false keeps dataset order
  bool drop_last = false;   // leave out the last batch when it would be smaller
  std::uint64_t seed = 0;
  Transform transform;      // applied to every example's image; empty for none
  int prefetch = 2;         // batches prepared ahead by a background thread; 0 = no thread
  int rank = 0;             // data-parallel: this process's share of each global batch...
  int world_size = 1;       // ...of world_size * batch_size examples
};

struct Batch {
  Tensor images;                      // (B, C, H, W) float32
  Tensor labels;                      // (B,) int64, -1 for unlabelled data
  std::vector<std::int64_t> indices;  // (B,) the dataset index of each row
  std::int64_t epoch = 0;
  std::int64_t index = 0;  // position of this batch within its epoch
};

class DataLoader;

/// One pass over the data, from a chosen batch on. A range (for-loop) and a
/// next() source at once. The background thread, when there is one, keeps up
/// to `prefetch` batches ready; destroying the Epoch stops and joins it.
class Epoch {
 public:
  Epoch(const DataLoader& loader, std::int64_t epoch, std::int64_t first_batch);
  ~Epoch();
  Epoch(Epoch&&) noexcept;
  Epoch& operator=(Epoch&&) noexcept;

  /// The next batch, or nullopt after the last. An exception thrown while
  /// preparing a batch (a bad file, a failing transform) is rethrown here, in
  /// the batch's turn.
  std::optional<Batch> next();

  class iterator {
   public:
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    explicit iterator(Epoch* epoch) : epoch_(epoch) { ++*this; }
    Batch& operator*() { return *current_; }
    iterator& operator++() {
      current_ = epoch_->next();
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return !current_.has_value(); }

   private:
    Epoch* epoch_;
    std::optional<Batch> current_;
  };
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  struct State;
  std::unique_ptr<State> state_;
};

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options = {});

  std::int64_t batches_per_epoch() const;
  /// The dataset indices in the order epoch `epoch` visits them (all ranks' shares).
  std::vector<std::int64_t> order(std::int64_t epoch) const;
  /// Where this rank's rows of batch `index` sit in order(): [first, first + rows).
  std::pair<std::int64_t, std::int64_t> shard(std::int64_t index) const;
  /// Epoch `epoch` starting at batch `first_batch` (0 <= first_batch <= batches_per_epoch()).
  Epoch epoch(std::int64_t epoch, std::int64_t first_batch = 0) const { return Epoch(*this, epoch, first_batch); }

  const Dataset& dataset() const { return *dataset_; }
  const LoaderOptions& options() const { return options_; }

 private:
  friend class Epoch;
  /// Batch `index` of an epoch visiting `order`: load, transform, stack.
  Batch make_batch(const std::vector<std::int64_t>& order, std::int64_t epoch, std::int64_t index) const;

  std::shared_ptr<const Dataset> dataset_;
  LoaderOptions options_;
};

}  // namespace gf::data
