// The op table's shape rows (cat, stack, pad2d, flatten), sort and embedding.
#include <algorithm>
#include <numeric>
#include <tuple>

#include "op_table.hpp"
#include "op_table_naive.hpp"

namespace gf::test {
namespace {

/// Concatenation along `dim`, element by element: each output position finds
/// the input whose slab along `dim` holds it.
Tensor naive_cat(const Inputs& parts, std::int64_t dim) {
  Shape shape = parts[0].shape();
  const auto at = static_cast<std::size_t>(dim);
  shape[at] = 0;
  for (const Tensor& t : parts) shape[at] += t.size(dim);
  std::vector<double> out(static_cast<std::size_t>(shape.numel()));
  naive::for_each_position(shape, [&](const std::vector<std::int64_t>& position, std::int64_t i) {
    std::vector<std::int64_t> p = position;
    std::size_t k = 0;
    while (p[at] >= parts[k].size(dim)) p[at] -= parts[k++].size(dim);
    out[static_cast<std::size_t>(i)] =
        naive::values(parts[k])[static_cast<std::size_t>(naive::offset(parts[k].shape(), p))];
  });
  return naive::tensor(out, shape);
}

/// Reflects an index outside [0, n) back inside, the edge not repeated.
std::int64_t reflect(std::int64_t i, std::int64_t n) { return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i; }

/// pad2d over the last two dims by index arithmetic.
Tensor naive_pad2d(const Tensor& x, std::int64_t left, std::int64_t right, std::int64_t top, std::int64_t bottom,
                   PadMode mode) {
  const std::int64_t H = x.size(-2), W = x.size(-1);
  Shape shape = x.shape();
  shape[shape.size() - 2] += top + bottom;
  shape[shape.size() - 1] += left + right;
  const std::vector<double> v = naive::values(x);
  std::vector<double> out(static_cast<std::size_t>(shape.numel()));
  naive::for_each_position(shape, [&](const std::vector<std::int64_t>& position, std::int64_t i) {
    std::vector<std::int64_t> p = position;
    std::int64_t &r = p[p.size() - 2], &c = p[p.size() - 1];
    r -= top, c -= left;
    if (mode == PadMode::kReflect) r = reflect(r, H), c = reflect(c, W);
    const bool inside = r >= 0 && r < H && c >= 0 && c < W;
    out[static_cast<std::size_t>(i)] = inside ? v[static_cast<std::size_t>(naive::offset(x.shape(), p))] : 0.0;
  });
  return naive::tensor(out, shape);
}

/// Sorts x along `dim` by std::stable_sort of each line; the values or the
/// indices. Stable, so equal values keep their order (the inputs have none).
Tensor naive_sort(const Tensor& x, std::int64_t dim, bool descending, bool indices) {
  dim = wrap_dim(dim, x.dim(), "naive_sort");
  const std::int64_t n = x.size(dim);
  std::vector<std::int64_t> to_last(static_cast<std::size_t>(x.dim()));
  std::iota(to_last.begin(), to_last.end(), 0);
  std::rotate(to_last.begin() + dim, to_last.begin() + dim + 1, to_last.end());
  const Tensor lines = x.permute(to_last);
  const std::vector<double> v = naive::values(lines);
  std::vector<double> out(v.size());
  for (std::size_t start = 0; start < v.size(); start += static_cast<std::size_t>(n)) {
    std::vector<std::int64_t> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
      const double va = v[start + static_cast<std::size_t>(a)], vb = v[start + static_cast<std::size_t>(b)];
      return descending ? va > vb : va < vb;
    });
    for (std::size_t k = 0; k < order.size(); ++k)
      out[start + k] = indices ? static_cast<double>(order[k]) : v[start + static_cast<std::size_t>(order[k])];
  }
  std::vector<std::int64_t> back(static_cast<std::size_t>(x.dim()));  // the inverse of to_last
  for (std::size_t i = 0; i < back.size(); ++i)
    back[static_cast<std::size_t>(to_last[i])] = static_cast<std::int64_t>(i);
  return naive::tensor(out, lines.shape()).permute(back);
}

/// Row labels[n] of weight for every n, copied value by value.
Tensor naive_embedding(const Tensor& weight, const Tensor& labels) {
  const std::vector<double> w = naive::values(weight), l = naive::values(labels);
  const auto d = static_cast<std::size_t>(weight.size(1));
  std::vector<double> out;
  for (double label : l)
    for (std::size_t c = 0; c < d; ++c) out.push_back(w[static_cast<std::size_t>(label) * d + c]);
  return naive::tensor(out, {labels.size(0), weight.size(1)});
}

}  // namespace

std::vector<OpRow> shape_sort_rows() {
  Draw d(12);
  OpRow cats{"cat", {}}, stacks{"stack", {}}, pads{"pad2d", {}}, flat{"flatten", {}}, sorts{"sort", {}};
  for (std::int64_t dim = 0; dim < 3; ++dim) {
    Shape a{4, 5, 6}, b{4, 5, 6}, c{4, 5, 6};
    a[static_cast<std::size_t>(dim)] = 1, b[static_cast<std::size_t>(dim)] = 3;
    const std::string at = "dim " + std::to_string(dim);
    cats.cases.push_back({at,
                          {d.normal(a), d.normal(b), d.normal(c)},
                          [dim](const Inputs& in) {
                            return cat({in[0], in[1], in[2]}, dim);
                          },
                          [dim](const Inputs& in) { return naive_cat(in, dim); }});
    stacks.cases.push_back({at,
                            {d.normal(c), d.normal(c)},
                            [dim](const Inputs& in) {
                              return stack({in[0], in[1]}, dim);
                            },
                            [dim](const Inputs& in) {
                              return naive_cat({in[0].unsqueeze(dim), in[1].unsqueeze(dim)}, dim);
                            }});
  }
  struct PadCase {
    const char* what;
    Shape x;
    std::int64_t left, right, top, bottom;
    PadMode mode;
  };
  for (const PadCase& c :
       std::vector<PadCase>{{"zero (1, 2, 3, 0)", {2, 3, 5, 6}, 1, 2, 3, 0, PadMode::kZero},
                            {"reflect (2, 1, 1, 3)", {2, 3, 5, 6}, 2, 1, 1, 3, PadMode::kReflect},
                            {"reflect (4, 4, 4, 4) of a 3-D image", {3, 7, 9}, 4, 4, 4, 4, PadMode::kReflect},
                            {"reflect (1, 2, 2, 1), small", {1, 2, 4, 4}, 1, 2, 2, 1, PadMode::kReflect}}) {
    pads.cases.push_back(
        {c.what,
         {d.normal(c.x)},
         [c](const Inputs& in) { return pad2d(in[0], c.left, c.right, c.top, c.bottom, c.mode); },
         [c](const Inputs& in) { return naive_pad2d(in[0], c.left, c.right, c.top, c.bottom, c.mode); }});
  }
  for (const auto& [start, end] : std::vector<std::pair<std::int64_t, std::int64_t>>{{0, -1}, {1, 2}, {1, -1}}) {
    const std::int64_t s = start, e = end;
    flat.cases.push_back({"dims " + std::to_string(s) + " to " + std::to_string(e),
                          {d.normal({2, 3, 4, 5})},
                          [s, e](const Inputs& in) { return flatten(in[0], s, e); },
                          [s, e](const Inputs& in) {
                            const Shape& x = in[0].shape();
                            const std::size_t first = static_cast<std::size_t>(s);
                            const std::size_t last = static_cast<std::size_t>(e < 0 ? x.dim() + e : e);
                            Shape shape(std::vector<std::int64_t>(x.begin(), x.begin() + static_cast<long>(first)));
                            std::int64_t merged = 1;
                            for (std::size_t i = first; i <= last; ++i) merged *= x[i];
                            shape.push_back(merged);
                            shape.insert(shape.end(), x.begin() + static_cast<long>(last) + 1, x.end());
                            return naive::tensor(naive::values(in[0]), shape);
                          }});
  }
  Draw ds(14);
  for (const Shape& s : std::vector<Shape>{{7}, {5, 9}, {3, 4, 17}, {2, 3001}}) {
    const Tensor x = ds.normal(s);  // continuous: no ties, so the order is unique
    for (std::int64_t dim = 0; dim < s.dim(); ++dim)
      for (const bool descending : {false, true}) {
        const std::string at = s.str() + " dim " + std::to_string(dim) + (descending ? " descending" : "");
        sorts.cases.push_back(
            {"values " + at,
             {x},
             [dim, descending](const Inputs& in) { return sort(in[0], dim, descending).values; },
             [dim, descending](const Inputs& in) { return naive_sort(in[0], dim, descending, false); }});
        sorts.cases.push_back({"indices " + at,
                               {x},
                               [dim, descending](const Inputs& in) { return sort(in[0], dim, descending).indices; },
                               [dim, descending](const Inputs& in) { return naive_sort(in[0], dim, descending, true); },
                               {.grad = false}});
      }
  }
  // Labels repeat (more rows than classes), so the backward sums rows.
  OpRow lookup{"embedding", {}};
  for (const auto& [k, dim, n] : std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>>{
           {10, 100, 64}, {10, 784, 16}, {3, 5, 7}, {1, 4, 3}, {6, 1, 9}}) {
    lookup.cases.push_back({std::to_string(n) + " labels of " + std::to_string(k) + " rows of " + std::to_string(dim),
                            {ds.normal({k, dim}), ds.labels({n}, k)},
                            [](const Inputs& in) { return embedding(in[0], in[1]); },
                            [](const Inputs& in) { return naive_embedding(in[0], in[1]); }});
  }
  return {cats, stacks, first_order_only(pads), flat, first_order_only(sorts), first_order_only(lookup)};
}

}  // namespace gf::test
