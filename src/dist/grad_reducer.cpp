// GradReducer: buckets, the hook that starts them, and the final wait.
#include "gf/dist/grad_reducer.hpp"

#include <chrono>

#include "gf/autograd/grad_mode.hpp"
#include "gf/autograd/node.hpp"
#include "gf/core/factory.hpp"

namespace gf::dist {
namespace {

using Clock = std::chrono::steady_clock;
double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

}  // namespace

struct GradReducer::State {
  struct Bucket {
    std::vector<int> members;  // indices into params
    int arrived = 0;           // members whose gradient this window has accumulated
    Tensor flat;               // (sum of numel,) the message while in flight
    std::unique_ptr<Work> work;
  };

  std::vector<Tensor> params;
  std::shared_ptr<Communicator> comm;
  std::vector<Bucket> buckets;
  std::vector<int> bucket_of;  // params[i] belongs to buckets[bucket_of[i]]
  std::vector<bool> arrived;   // per parameter, this window
  int next_to_start = 0;       // buckets start strictly in order
  bool armed = false;
  Clock::time_point first_start;
  ReducerStats stats;

  // The bucket's gradients (zeros where none arrived) into one buffer, and its
  // all-reduce started.
  void start(int b) {
    Bucket& bucket = buckets[static_cast<std::size_t>(b)];
    std::vector<Tensor> grads;
    for (int i : bucket.members) {
      const Tensor& p = params[static_cast<std::size_t>(i)];
      if (!p.grad().defined()) p.set_grad(zeros(p.shape(), {p.dtype(), p.device()}));
      grads.push_back(p.grad());
    }
    bucket.flat = flatten_tensors(grads);
    if (next_to_start == 0) first_start = Clock::now();
    bucket.work = comm->all_reduce_async(bucket.flat, ReduceOp::kMean);
    stats.bytes += bucket.flat.numel() * static_cast<std::int64_t>(dtype_size(bucket.flat.dtype()));
    ++stats.buckets;
    ++next_to_start;
  }

  // The hook: parameter i's gradient has just been accumulated.
  void on_gradient(int i) {
    if (!armed) return;
    GF_CHECK(!arrived[static_cast<std::size_t>(i)], "GradReducer: parameter ", i,
             " got a second gradient before finish(); call finish() after each backward");
    arrived[static_cast<std::size_t>(i)] = true;
    ++buckets[static_cast<std::size_t>(bucket_of[static_cast<std::size_t>(i)])].arrived;
    while (next_to_start < static_cast<int>(buckets.size())) {
      const Bucket& next = buckets[static_cast<std::size_t>(next_to_start)];
      if (next.arrived < static_cast<int>(next.members.size())) break;
      start(next_to_start);
      ++stats.started_in_backward;
    }
    // MPI moves a non-blocking collective only inside MPI calls: nudge them.
    for (int b = 0; b < next_to_start; ++b)
      if (buckets[static_cast<std::size_t>(b)].work) buckets[static_cast<std::size_t>(b)].work->test();
  }
};

GradReducer::GradReducer(std::vector<Tensor> parameters, std::shared_ptr<Communicator> comm,
                         std::int64_t bucket_bytes)
    : state_(std::make_shared<State>()) {
  GF_CHECK(comm != nullptr, "GradReducer: no communicator");
  GF_CHECK(bucket_bytes > 0, "GradReducer: bucket size must be positive, got ", bucket_bytes);
  State& s = *state_;
  s.params = std::move(parameters);
  s.comm = std::move(comm);
  s.bucket_of.assign(s.params.size(), -1);
  s.arrived.assign(s.params.size(), false);
  // Last parameter first: the order in which backward produces gradients.
  std::int64_t filled = 0;
  for (int i = static_cast<int>(s.params.size()) - 1; i >= 0; --i) {
    const Tensor& p = s.params[static_cast<std::size_t>(i)];
    GF_CHECK(p.requires_grad(), "GradReducer: parameter ", i, " does not require grad");
    const std::int64_t bytes = p.numel() * static_cast<std::int64_t>(dtype_size(p.dtype()));
    const bool fits = !s.buckets.empty() && filled + bytes <= bucket_bytes;
    const bool same_kind = !s.buckets.empty() && s.params[static_cast<std::size_t>(s.buckets.back().members[0])].dtype() ==
                                                     p.dtype() &&
                           s.params[static_cast<std::size_t>(s.buckets.back().members[0])].device() == p.device();
    if (!fits || !same_kind) {
      s.buckets.emplace_back();
      filled = 0;
    }
    s.buckets.back().members.push_back(i);
    s.bucket_of[static_cast<std::size_t>(i)] = static_cast<int>(s.buckets.size()) - 1;
    filled += bytes;
    std::weak_ptr<State> weak = state_;
    autograd::add_post_accumulate_hook(p, [weak, i](const Tensor&) {
      if (auto alive = weak.lock()) alive->on_gradient(i);
    });
  }
}

GradReducer::~GradReducer() = default;

void GradReducer::prepare() {
  State& s = *state_;
  for (auto& b : s.buckets) {
    b.arrived = 0;
    b.work.reset();
  }
  s.arrived.assign(s.params.size(), false);
  s.next_to_start = 0;
  s.stats = {};
  s.armed = true;
}

void GradReducer::finish() {
  State& s = *state_;
  GF_CHECK(s.armed, "GradReducer::finish: prepare() was not called before backward");
  const auto begin = Clock::now();
  if (s.stats.started_in_backward > 0) s.stats.window_s = seconds(s.first_start, begin);
  while (s.next_to_start < static_cast<int>(s.buckets.size())) s.start(s.next_to_start);
  for (auto& bucket : s.buckets) {
    bucket.work->wait();
    std::vector<Tensor> grads;
    for (int i : bucket.members) grads.push_back(s.params[static_cast<std::size_t>(i)].grad());
    unflatten_into(bucket.flat, grads);
    bucket.work.reset();
    bucket.flat = Tensor();
  }
  s.stats.wait_s = seconds(begin, Clock::now());
  s.armed = false;
}

int GradReducer::num_buckets() const { return static_cast<int>(state_->buckets.size()); }

std::vector<int> GradReducer::bucket_sizes() const {
  std::vector<int> sizes;
  for (const auto& b : state_->buckets) sizes.push_back(static_cast<int>(b.members.size()));
  return sizes;
}

const ReducerStats& GradReducer::stats() const { return state_->stats; }

}  // namespace gf::dist
