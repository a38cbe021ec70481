// The Tensor methods that run a kernel or record a node: copies between
// dtypes and devices, fills, and reading values back. Declared on Tensor
// (include/gf/core/tensor.hpp); defined here, in the ops layer, so that core
// knows nothing of kernels or autograd.
#include "gf/core/tensor.hpp"

#include <functional>
#include <iomanip>
#include <sstream>

#include "kernels/kernels.hpp"
#include "dispatch.hpp"
#include "gf/autograd/grad_mode.hpp"
#include "gf/autograd/node.hpp"
#include "gf/core/device_copy.hpp"

namespace gf {

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

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

namespace {
// clone's backward: the gradient passes through.
std::vector<Tensor> clone_backward(const Tensor& g) { return {g}; }
// The backward of to(dtype) and to(device): the gradient taken back where it came from.
std::vector<Tensor> to_dtype_backward(DType source, const Tensor& g) { return {g.to(source)}; }
std::vector<Tensor> to_device_backward(Device source, const Tensor& g) { return {g.to(source)}; }
}  // namespace

Tensor Tensor::clone() const {
  Tensor out = Tensor::empty(shape(), {dtype(), device()});
  kernels_on(device()).copy(out, *this);
  if (autograd::needs_grad({*this}))
    autograd::record("clone", out, {*this}, clone_backward, autograd::Differentiable::kYes);
  return out;
}

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return *this;
  Tensor out = Tensor::empty(shape(), {target, device()});
  kernels_on(device()).copy(out, *this);
  if (is_floating(target) && autograd::needs_grad({*this}))
    autograd::record("to_" + std::string(dtype_name(target)), out, {*this},
                     std::bind_front(to_dtype_backward, dtype()), autograd::Differentiable::kYes);
  return out;
}

Tensor Tensor::to(Device target) const {
  if (target == device()) return *this;
  const Tensor src = contiguous();
  Tensor out = Tensor::empty(shape(), {dtype(), target});
  copy_bytes(out.raw_data(), target, src.raw_data(), src.device(),
             static_cast<std::size_t>(numel()) * dtype_size(dtype()));
  if (autograd::needs_grad({*this}))
    autograd::record("to_" + target.str(), out, {*this}, std::bind_front(to_device_backward, device()),
                     autograd::Differentiable::kYes);
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
  kernels_on(device()).fill(*this, value);
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
  kernels_on(device()).copy(*this, src);
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
