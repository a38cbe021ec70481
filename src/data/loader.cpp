// DataLoader: per-epoch permutations, batch assembly, and the producer thread.
#include "gf/data/loader.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace gf::data {
namespace {

// SplitMix64's finaliser over a combination of a and b: turns (seed, epoch,
// index) tuples into well-spread, unrelated generator seeds.
std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t z = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Separate streams for the shuffle and for the transforms.
constexpr std::uint64_t kShuffleStream = 1, kTransformStream = 2;

}  // namespace

// ---- DataLoader -------------------------------------------------------------------

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  GF_CHECK(dataset_ != nullptr, "DataLoader: no dataset");
  GF_CHECK(options_.batch_size > 0, "DataLoader: batch_size must be positive, got ", options_.batch_size);
  GF_CHECK(options_.prefetch >= 0, "DataLoader: prefetch must be >= 0, got ", options_.prefetch);
  GF_CHECK(options_.world_size >= 1 && options_.rank >= 0 && options_.rank < options_.world_size,
           "DataLoader: rank ", options_.rank, " is not in a world of ", options_.world_size);
}

std::int64_t DataLoader::batches_per_epoch() const {
  const std::int64_t n = dataset_->size(), b = options_.batch_size * options_.world_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::pair<std::int64_t, std::int64_t> DataLoader::shard(std::int64_t index) const {
  const std::int64_t W = options_.world_size, global = options_.batch_size * W;
  const std::int64_t begin = index * global, rows = std::min(global, dataset_->size() - begin);
  // A full batch splits into W shares of batch_size; a short last one as
  // evenly as it can (share r: [r rows / W, (r + 1) rows / W)).
  const std::int64_t first = begin + options_.rank * rows / W, last = begin + (options_.rank + 1) * rows / W;
  GF_CHECK(last > first, "DataLoader: the last batch of the epoch holds ", rows, " examples, too few for ", W,
           " ranks; use drop_last or another batch size");
  return {first, last - first};
}

std::vector<std::int64_t> DataLoader::order(std::int64_t epoch) const {
  std::vector<std::int64_t> order(static_cast<std::size_t>(dataset_->size()));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
  if (!options_.shuffle) return order;
  // Fisher-Yates with a generator that only (seed, epoch) determine.
  Rng gen(mix(mix(options_.seed, kShuffleStream), static_cast<std::uint64_t>(epoch)));
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[gen.below(i)]);
  return order;
}

Batch DataLoader::make_batch(const std::vector<std::int64_t>& order, std::int64_t epoch, std::int64_t index) const {
  const auto [begin, rows] = shard(index);
  Batch batch;
  batch.epoch = epoch;
  batch.index = index;
  batch.labels = Tensor::empty({rows}, {DType::kInt64});  // (B,)
  std::int64_t* labels = batch.labels.data<std::int64_t>();
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t i = order[static_cast<std::size_t>(begin + r)];
    Example ex = dataset_->get(i);
    if (options_.transform) {
      Rng gen(mix(mix(mix(options_.seed, kTransformStream), static_cast<std::uint64_t>(epoch)),
                        static_cast<std::uint64_t>(i)));
      ex.image = options_.transform(ex.image, gen);
    }
    if (r == 0) {
      GF_CHECK(ex.image.dim() == 3, "DataLoader: example ", i, " is not an image (C, H, W): shape ", ex.image.shape());
      const Shape& s = ex.image.shape();
      batch.images = Tensor::empty({rows, s[0], s[1], s[2]});  // (B, C, H, W)
    }
    // copy_ would broadcast a (1, H, W) image into 3 channels: insist on equal shapes.
    GF_CHECK(ex.image.shape() == batch.images.select(0, r).shape(), "DataLoader: example ", i, " has shape ",
             ex.image.shape(), " but example ", order[static_cast<std::size_t>(begin)], " in the same batch has ",
             batch.images.select(0, r).shape(), "; give the loader a resize transform");
    batch.images.select(0, r).copy_(ex.image);  // also converts to float32
    labels[r] = ex.label;
    batch.indices.push_back(i);
  }
  return batch;
}

// ---- Epoch ----------------------------------------------------------------------

// Everything the consumer and the producer share, behind one mutex.
struct Epoch::State {
  State(const DataLoader& l, std::int64_t e, std::int64_t first_batch)
      : loader(l), epoch(e), order(l.order(e)), next_batch(first_batch), end(l.batches_per_epoch()) {}

  DataLoader loader;
  std::int64_t epoch;
  std::vector<std::int64_t> order;
  std::int64_t next_batch;  // the next one next() hands out
  std::int64_t end;         // one past the last batch

  std::mutex mutex;
  std::condition_variable changed;  // a batch was made or taken, or stop was asked
  std::deque<Batch> ready;          // made, not yet taken, in order
  std::exception_ptr error;         // the producer's failure, after the ready batches
  bool stop = false;
  std::thread producer;

  void produce() {
    for (std::int64_t b = next_batch; b < end; ++b) {
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return stop || ready.size() < static_cast<std::size_t>(loader.options().prefetch); });
        if (stop) return;
      }
      // Made outside the lock, so the consumer can take earlier batches meanwhile.
      std::optional<Batch> batch;
      std::exception_ptr failure;
      try {
        batch = loader.make_batch(order, epoch, b);
      } catch (...) {
        failure = std::current_exception();
      }
      {
        std::lock_guard lock(mutex);
        if (failure) error = failure;
        else ready.push_back(std::move(*batch));
      }
      changed.notify_all();
      if (failure) return;
    }
  }
};

Epoch::Epoch(const DataLoader& loader, std::int64_t epoch, std::int64_t first_batch)
    : state_(std::make_unique<State>(loader, epoch, first_batch)) {
  GF_CHECK(first_batch >= 0 && first_batch <= state_->end, "DataLoader::epoch: first batch ", first_batch,
           " out of range; an epoch has ", state_->end, " batches");
  if (loader.options().prefetch > 0) state_->producer = std::thread([s = state_.get()] { s->produce(); });
}

Epoch::~Epoch() {
  if (!state_ || !state_->producer.joinable()) return;
  {
    std::lock_guard lock(state_->mutex);
    state_->stop = true;
  }
  state_->changed.notify_all();
  state_->producer.join();
}

Epoch::Epoch(Epoch&&) noexcept = default;

Epoch& Epoch::operator=(Epoch&& other) noexcept {
  Epoch old(std::move(*this));  // stops our producer, if any, when it goes out of scope
  state_ = std::move(other.state_);
  return *this;
}

std::optional<Batch> Epoch::next() {
  State& s = *state_;
  if (s.next_batch >= s.end) return std::nullopt;
  if (!s.producer.joinable()) return s.loader.make_batch(s.order, s.epoch, s.next_batch++);

  std::unique_lock lock(s.mutex);
  s.changed.wait(lock, [&] { return !s.ready.empty() || s.error; });
  if (s.ready.empty()) std::rethrow_exception(s.error);
  Batch batch = std::move(s.ready.front());
  s.ready.pop_front();
  ++s.next_batch;
  lock.unlock();
  s.changed.notify_all();
  return batch;
}

}  // namespace gf::data
