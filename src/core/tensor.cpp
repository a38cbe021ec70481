#include "gf/core/tensor.hpp"

#include <cmath>
#include <iomanip>
#include <sstream>

#include "cpu/copy.hpp"
#include "dispatch.hpp"
#include "gf/autograd/engine.hpp"
#include "gf/autograd/grad_mode.hpp"
#include "gf/autograd/node.hpp"
#include "gf/core/checked_size.hpp"
#include "gf/core/device_copy.hpp"
#include "gf/ops/elementwise.hpp"

namespace gf {

Tensor Tensor::empty(const Shape& shape, TensorOptions options) {
  for (auto d : shape) GF_CHECK(d >= 0, "empty: negative dimension in shape ", shape);
  // Shapes can come from files; a product that wraps would size a tiny buffer.
  const std::string what = detail::concat("empty: shape ", shape);
  const std::size_t bytes = checked_bytes(checked_product(shape, what), dtype_size(options.dtype), what);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(bytes, options.device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = options.dtype;
  Tensor t(std::move(impl));
  if (options.requires_grad) t.requires_grad_();
  return t;
}

Tensor make_view(const Tensor& base, Shape shape, Shape strides, std::int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = base.dtype();
  return Tensor(std::move(impl));
}

std::int64_t Tensor::size(std::int64_t d) const { return shape()[wrap_dim(d, dim(), "Tensor::size")]; }
std::int64_t Tensor::stride(std::int64_t d) const { return strides()[wrap_dim(d, dim(), "Tensor::stride")]; }

bool Tensor::is_contiguous() const {
  std::int64_t expected = 1;
  for (std::int64_t d = dim() - 1; d >= 0; --d) {
    if (shape()[d] == 1) continue;
    if (strides()[d] != expected) return false;
    expected *= shape()[d];
  }
  return true;
}

template <typename T>
T Tensor::item() const {
  GF_CHECK(numel() == 1, "item: tensor has ", numel(), " elements (shape ", shape(), "), expected exactly one");
  return to_vector<T>()[0];
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  Tensor cpu_t = to(Device::cpu()).to(dtype_of<T>).contiguous();
  const T* p = cpu_t.data<T>();
  return std::vector<T>(p, p + cpu_t.numel());
}

template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template std::int64_t Tensor::item<std::int64_t>() const;
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<std::int64_t> Tensor::to_vector<std::int64_t>() const;

Tensor& Tensor::requires_grad_(bool on) {
  GF_CHECK(!on || is_floating(dtype()), "requires_grad_: only floating tensors can require grad, this one is ",
           dtype());
  GF_CHECK(is_leaf() || on, "requires_grad_: cannot turn off requires_grad on a non-leaf (use detach())");
  checked().requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const { return Tensor(checked().grad); }

void Tensor::set_grad(const Tensor& g) const {
  if (g.defined())
    GF_CHECK(g.shape() == shape(), "set_grad: gradient shape ", g.shape(), " does not match tensor shape ", shape());
  checked().grad = g.impl_ptr();
}

void Tensor::zero_grad() const { checked().grad.reset(); }

Tensor Tensor::detach() const { return make_view(*this, shape(), strides(), offset()); }

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  autograd::backward(*this, gradient, retain_graph);
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::clone() const {
  Tensor out = Tensor::empty(shape(), {dtype(), device()});
  GF_DISPATCH(device(), copy, out, *this);
  if (autograd::needs_grad({*this})) autograd::record("clone", out, {*this}, [](const Tensor& g) {
      return std::vector<Tensor>{g};
    });
  return out;
}

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return *this;
  Tensor out = Tensor::empty(shape(), {target, device()});
  GF_DISPATCH(device(), copy, out, *this);
  if (is_floating(target) && autograd::needs_grad({*this})) {
    const DType source = dtype();
    autograd::record("to_" + std::string(dtype_name(target)), out, {*this},
                     [source](const Tensor& g) { return std::vector<Tensor>{g.to(source)}; });
  }
  return out;
}

Tensor Tensor::to(Device target) const {
  if (target == device()) return *this;
  const Tensor src = contiguous();
  Tensor out = Tensor::empty(shape(), {dtype(), target});
  copy_bytes(out.raw_data(), target, src.raw_data(), src.device(),
             static_cast<std::size_t>(numel()) * dtype_size(dtype()));
  if (autograd::needs_grad({*this})) {
    const Device source = device();
    autograd::record("to_" + target.str(), out, {*this},
                     [source](const Tensor& g) { return std::vector<Tensor>{g.to(source)}; });
  }
  return out;
}

namespace {
void check_writable(const Tensor& t, const char* op) {
  GF_CHECK(!(GradMode::is_enabled() && t.requires_grad()), op,
           ": in-place write to a tensor that requires grad; wrap it in gf::NoGradGuard");
}
}  // namespace

Tensor& Tensor::fill_(double value) {
  check_writable(*this, "fill_");
  GF_DISPATCH(device(), fill, *this, value);
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_writable(*this, "copy_");
  GF_CHECK(src.device() == device(), "copy_: source is on ", src.device(), ", destination on ", device());
  broadcast_shapes(src.shape(), shape(), "copy_");
  GF_CHECK(src.dim() <= dim(), "copy_: cannot copy ", src.shape(), " into ", shape());
  for (std::int64_t i = 0; i < src.dim(); ++i) {
    const std::int64_t s = src.shape()[i], d = shape()[dim() - src.dim() + i];
    GF_CHECK(s == d || s == 1, "copy_: source shape ", src.shape(), " does not broadcast to ", shape());
  }
  GF_DISPATCH(device(), copy, *this, src);
  return *this;
}

std::string Tensor::str(std::int64_t edge_items) const {
  std::ostringstream os;
  os << "tensor(shape=" << shape() << ", dtype=" << dtype() << ", device=" << device();
  if (requires_grad()) os << ", requires_grad";
  if (grad_fn()) os << ", grad_fn=" << grad_fn()->name();
  os << ")\n";
  const std::vector<double> v = to_vector<double>();
  const Shape s = shape();
  const Shape st = contiguous_strides(s);
  // Recursive printer: prints `edge_items` from each end of every dim.
  auto print = [&](auto&& self, std::int64_t d, std::int64_t base) -> void {
    if (d == s.dim()) {
      os << std::setprecision(6) << v[static_cast<std::size_t>(base)];
      return;
    }
    os << "[";
    const std::int64_t n = s[d];
    for (std::int64_t i = 0; i < n; ++i) {
      if (n > 2 * edge_items && i == edge_items) {
        os << "..., ";
        i = n - edge_items;
      }
      self(self, d + 1, base + i * st[d]);
      if (i + 1 < n) os << (d + 1 == s.dim() ? ", " : ",\n" + std::string(static_cast<std::size_t>(d + 1), ' '));
    }
    os << "]";
  };
  print(print, 0, 0);
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

}  // namespace gf
