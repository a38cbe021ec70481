// The op table's normalisation, pooling and upsampling rows.
#include <cmath>
#include <limits>

#include "op_table.hpp"
#include "op_table_naive.hpp"

namespace gf::test {
namespace {

/// (x - mean) / sqrt(var + eps) * weight + bias, the statistics over `dims`
/// (biased variance), or over the given per-channel `mean` and `var`;
/// weight and bias are per channel (dim 1) or undefined.
Tensor naive_normalise(const Tensor& x, const std::vector<std::int64_t>& dims, const Tensor& weight, const Tensor& bias,
                       double eps, const Tensor& given_mean = {}, const Tensor& given_var = {}) {
  Shape channel(static_cast<std::size_t>(x.dim()), 1);
  channel[1] = x.size(1);
  const Tensor m = given_mean.defined() ? given_mean.reshape(channel) : naive::reduce(x, dims, true, naive::mean_of);
  const Tensor v =
      given_var.defined()
          ? given_var.reshape(channel)
          : naive::reduce(x, dims, true, [](const std::vector<double>& g) { return naive::var_of(g, false); });
  Tensor y = naive::zip(x, m, [](double a, double b) { return a - b; });
  y = naive::zip(y, v, [eps](double a, double b) { return a / std::sqrt(b + eps); });
  if (weight.defined()) y = naive::zip(y, weight.reshape(channel), [](double a, double b) { return a * b; });
  if (bias.defined()) y = naive::zip(y, bias.reshape(channel), [](double a, double b) { return a + b; });
  return y;
}

/// Every dim of x but the channel dim 1.
std::vector<std::int64_t> all_but_channels(const Tensor& x) {
  std::vector<std::int64_t> dims{0};
  for (std::int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  return dims;
}

/// The spatial dims of x (2 and on).
std::vector<std::int64_t> spatial(const Tensor& x) {
  std::vector<std::int64_t> dims;
  for (std::int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  return dims;
}

// Naive pooling of (N, C, H, W): every window visited pixel by pixel, padded
// positions skipped (max) or counted as zeros (average).
Tensor naive_pool(const Tensor& x, std::int64_t k, std::int64_t s, std::int64_t pad, bool take_max) {
  const std::int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  const std::int64_t Ho = (H + 2 * pad - k) / s + 1, Wo = (W + 2 * pad - k) / s + 1;
  const std::vector<double> v = naive::values(x);
  std::vector<double> out;
  for (std::int64_t p = 0; p < P; ++p)
    for (std::int64_t i = 0; i < Ho; ++i)
      for (std::int64_t j = 0; j < Wo; ++j) {
        double best = -std::numeric_limits<double>::infinity(), total = 0;
        for (std::int64_t di = 0; di < k; ++di)
          for (std::int64_t dj = 0; dj < k; ++dj) {
            const std::int64_t r = i * s - pad + di, c = j * s - pad + dj;
            if (r < 0 || r >= H || c < 0 || c >= W) continue;
            const double value = v[static_cast<std::size_t>((p * H + r) * W + c)];
            best = std::max(best, value);
            total += value;
          }
        out.push_back(take_max ? best : total / static_cast<double>(k * k));
      }
  return naive::tensor(out, {x.size(0), x.size(1), Ho, Wo});
}

// Naive upsampling: nearest copies pixel (i / s, j / s); bilinear samples the
// input at ((i + 0.5) / s - 0.5, (j + 0.5) / s - 0.5), clamped to the image.
Tensor naive_upsample(const Tensor& x, std::int64_t s, UpsampleMode mode) {
  const std::int64_t P = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  const std::vector<double> v = naive::values(x);
  auto at = [&](std::int64_t p, std::int64_t r, std::int64_t c) {
    return v[static_cast<std::size_t>((p * H + r) * W + c)];
  };
  std::vector<double> out;
  for (std::int64_t p = 0; p < P; ++p)
    for (std::int64_t i = 0; i < H * s; ++i)
      for (std::int64_t j = 0; j < W * s; ++j) {
        if (mode == UpsampleMode::kNearest) {
          out.push_back(at(p, i / s, j / s));
          continue;
        }
        const double y = std::max((i + 0.5) / static_cast<double>(s) - 0.5, 0.0);
        const double x_ = std::max((j + 0.5) / static_cast<double>(s) - 0.5, 0.0);
        const auto r0 = static_cast<std::int64_t>(std::floor(y)), c0 = static_cast<std::int64_t>(std::floor(x_));
        const std::int64_t r1 = std::min(r0 + 1, H - 1), c1 = std::min(c0 + 1, W - 1);
        const double fy = y - static_cast<double>(r0), fx = x_ - static_cast<double>(c0);
        out.push_back((1 - fy) * ((1 - fx) * at(p, r0, c0) + fx * at(p, r0, c1)) +
                      fy * ((1 - fx) * at(p, r1, c0) + fx * at(p, r1, c1)));
      }
  return naive::tensor(out, {x.size(0), x.size(1), H * s, W * s});
}

struct PoolCase {
  Shape shape;
  std::int64_t kernel, stride, padding;  // stride 0: the kernel size
};

}  // namespace

std::vector<OpRow> norm_pool_rows() {
  Draw d(9);
  OpRow bn{"batch_norm", {}}, in_norm{"instance_norm", {}};
  for (const Shape& s : std::vector<Shape>{{4, 3, 5, 7}, {16, 5}, {2, 64, 8, 8}, {3, 2, 1, 1}, {2, 5}}) {
    const std::int64_t C = s[1];
    // x, gamma, beta, running_mean, running_var (the last two updated in place
    // by training, and no input of the result's gradient).
    const Inputs inputs = {add(mul(d.normal(s), 2.0), 0.5), d.uniform({C}, 0.5, 1.5), d.normal({C}), d.normal({C}),
                           d.uniform({C}, 0.5, 2.0)};
    bn.cases.push_back({"training " + s.str(),
                        inputs,
                        [](const Inputs& t) { return batch_norm(t[0], t[1], t[2], t[3], t[4], true, 0.1, 1e-5); },
                        [](const Inputs& t) { return naive_normalise(t[0], all_but_channels(t[0]), t[1], t[2], 1e-5); },
                        {},
                        {3, 4}});
    bn.cases.push_back({"eval " + s.str(),
                        inputs,
                        [](const Inputs& t) { return batch_norm(t[0], t[1], t[2], t[3], t[4], false); },
                        [](const Inputs& t) { return naive_normalise(t[0], {}, t[1], t[2], 1e-5, t[3], t[4]); },
                        {},
                        {3, 4}});
  }
  bn.cases.push_back({"training without affine or running statistics",
                      {d.normal({5, 3, 4, 4})},
                      [](const Inputs& t) { return batch_norm(t[0], Tensor(), Tensor(), Tensor(), Tensor(), true); },
                      [](const Inputs& t) { return naive_normalise(t[0], all_but_channels(t[0]), {}, {}, 1e-5); }});
  for (const Shape& s :
       std::vector<Shape>{{2, 3, 5, 7}, {1, 8, 16, 16}, {3, 4, 9}, {2, 3, 3, 2}, {1, 2, 7, 3}, {3, 1, 2, 2}}) {
    const std::int64_t C = s[1];
    in_norm.cases.push_back({"affine " + s.str(),
                             {d.normal(s), d.uniform({C}, 0.5, 1.5), d.normal({C})},
                             [](const Inputs& t) { return instance_norm(t[0], t[1], t[2]); },
                             [](const Inputs& t) { return naive_normalise(t[0], spatial(t[0]), t[1], t[2], 1e-5); }});
    in_norm.cases.push_back({"plain " + s.str(),
                             {d.normal(s)},
                             [](const Inputs& t) { return instance_norm(t[0]); },
                             [](const Inputs& t) { return naive_normalise(t[0], spatial(t[0]), {}, {}, 1e-5); }});
  }

  OpRow max_pool{"max_pool2d", {}}, avg_pool{"avg_pool2d", {}}, up{"upsample2d", {}};
  for (const PoolCase& c : std::vector<PoolCase>{{{2, 3, 6, 6}, 2, 0, 0},
                                                 {{1, 2, 7, 5}, 3, 2, 1},
                                                 {{2, 1, 5, 9}, 3, 1, 0},
                                                 {{1, 1, 4, 4}, 4, 0, 2},
                                                 {{3, 2, 9, 7}, 2, 3, 1},
                                                 {{2, 3, 9, 11}, 2, 0, 0},
                                                 {{1, 4, 8, 8}, 3, 2, 1},
                                                 {{3, 2, 17, 6}, 3, 2, 1},
                                                 {{4, 8, 24, 23}, 3, 2, 1}}) {  // the last spreads over threads
    const std::string what = c.shape.str() + " kernel " + std::to_string(c.kernel) + " stride " +
                             std::to_string(c.stride) + " pad " + std::to_string(c.padding);
    const std::int64_t k = c.kernel, s = c.stride, pad = c.padding, step = s == 0 ? k : s;
    const Tensor x = d.normal(c.shape);
    max_pool.cases.push_back({what,
                              {x},
                              [k, s, pad](const Inputs& in) { return max_pool2d(in[0], k, s, pad); },
                              [k, step, pad](const Inputs& in) { return naive_pool(in[0], k, step, pad, true); }});
    avg_pool.cases.push_back({what,
                              {x},
                              [k, s, pad](const Inputs& in) { return avg_pool2d(in[0], k, s, pad); },
                              [k, step, pad](const Inputs& in) { return naive_pool(in[0], k, step, pad, false); }});
  }
  max_pool.cases.push_back({"a strided (transposed) input",
                            {d.normal({2, 3, 5, 6})},
                            [](const Inputs& in) { return max_pool2d(in[0].transpose(2, 3), 3, 2, 1); },
                            [](const Inputs& in) { return naive_pool(in[0].transpose(2, 3), 3, 2, 1, true); }});
  for (const Shape& s : std::vector<Shape>{
           {2, 3, 4, 5}, {1, 1, 1, 3}, {1, 2, 5, 1}, {2, 2, 3, 4}, {4, 8, 12, 11}, {2, 3, 9, 11}, {3, 2, 17, 6}}) {
    const Tensor x = d.normal(s);
    for (std::int64_t f : {1, 2, 3})
      for (const auto& [name, mode] :
           {std::pair{"nearest", UpsampleMode::kNearest}, std::pair{"bilinear", UpsampleMode::kBilinear}}) {
        const UpsampleMode m = mode;
        up.cases.push_back({std::string(name) + " x" + std::to_string(f) + " " + s.str(),
                            {x},
                            [f, m](const Inputs& in) { return upsample2d(in[0], f, m); },
                            [f, m](const Inputs& in) { return naive_upsample(in[0], f, m); }});
      }
  }
  return {bn, in_norm, first_order_only(max_pool), first_order_only(avg_pool), first_order_only(up)};
}

}  // namespace gf::test
