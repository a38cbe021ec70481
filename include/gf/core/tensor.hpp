#pragma once
// Tensor: a cheap, shareable handle onto a strided view of a Storage.
//
//   gf::Tensor x = gf::randn({2, 3});   // (2, 3) float32 on the CPU
//   gf::Tensor y = x.transpose(0, 1);   // (3, 2) view, same storage, strides (1, 3)
//   y.requires_grad_();                 // y is now a leaf that collects .grad()
//
// A tensor is (storage, shape, strides, offset, dtype) plus autograd metadata:
// whether it requires grad, its accumulated grad, and the Node that made it.
// Copying a Tensor copies the handle, never the data (use clone() for that).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gf/core/device.hpp"
#include "gf/core/dtype.hpp"
#include "gf/core/error.hpp"
#include "gf/core/shape.hpp"
#include "gf/core/storage.hpp"

namespace gf {

namespace autograd {
class Node;
}

/// What a handle points at. Shared by every copy of the same Tensor handle.
struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;           // in elements, one per dim
  std::int64_t offset = 0;  // in elements, from storage start
  DType dtype = DType::kFloat32;

  // Autograd metadata (see docs/autograd.md).
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;                   // accumulated by backward on leaves
  std::shared_ptr<autograd::Node> grad_fn;            // the op that produced this tensor (null for leaves)
  std::shared_ptr<autograd::Node> grad_accumulator;   // leaves: the node that adds into .grad
  std::string name;                                   // optional label (parameter names), shown in DOT graphs
};

/// Options for factories: dtype, device and whether the result is a grad leaf.
struct TensorOptions {
  DType dtype = DType::kFloat32;
  Device device = Device::cpu();
  bool requires_grad = false;
};

class Tensor {
 public:
  Tensor() = default;  // undefined tensor (defined() == false)
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  /// A new, uninitialised contiguous tensor.
  static Tensor empty(const Shape& shape, TensorOptions options = {});

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  /// True when both handles point at the same tensor object.
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

  // ---- metadata -------------------------------------------------------------
  const Shape& shape() const { return checked().shape; }
  const Shape& strides() const { return checked().strides; }
  std::int64_t dim() const { return shape().dim(); }
  std::int64_t size(std::int64_t d) const;
  std::int64_t stride(std::int64_t d) const;
  std::int64_t numel() const { return shape().numel(); }
  std::int64_t offset() const { return checked().offset; }
  DType dtype() const { return checked().dtype; }
  Device device() const { return checked().storage->device(); }
  const std::shared_ptr<Storage>& storage() const { return checked().storage; }
  bool is_contiguous() const;
  const std::string& name() const { return checked().name; }
  Tensor& set_name(std::string name) {
    checked().name = std::move(name);
    return *this;
  }

  // ---- element access (CPU) ---------------------------------------------------
  /// Typed pointer to element 0 of this view; checks the dtype matches T.
  template <typename T>
  T* data() const {
    GF_CHECK(dtype() == dtype_of<T>, "Tensor::data: tensor is ", dtype(), ", asked for ", dtype_of<T>);
    return static_cast<T*>(storage()->data()) + offset();
  }
  /// Untyped pointer to element 0 of this view.
  void* raw_data() const {
    return static_cast<char*>(storage()->data()) + offset() * static_cast<std::int64_t>(dtype_size(dtype()));
  }
  /// The single value of a one-element tensor, converted to T (synchronises for CUDA).
  template <typename T = double>
  T item() const;
  /// All values in row-major order, converted to T (copies to the CPU first).
  template <typename T>
  std::vector<T> to_vector() const;

  // ---- autograd ---------------------------------------------------------------
  bool requires_grad() const { return checked().requires_grad; }
  /// Marks a leaf as needing gradients (only floating tensors can).
  Tensor& requires_grad_(bool on = true);
  /// The gradient accumulated by backward(), undefined until then.
  Tensor grad() const;
  void set_grad(const Tensor& g) const;
  /// Drops the accumulated gradient (the next backward starts from zero).
  void zero_grad() const;
  const std::shared_ptr<autograd::Node>& grad_fn() const { return checked().grad_fn; }
  bool is_leaf() const { return checked().grad_fn == nullptr; }
  /// Same data, cut from the graph: no grad_fn, does not require grad.
  Tensor detach() const;
  /// Runs backward from this tensor. A scalar needs no `gradient`; otherwise
  /// pass d(something)/d(this) with this tensor's shape. `create_graph`
  /// records the gradients too (double backward; gf/autograd/engine.hpp).
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false, bool create_graph = false) const;

  // ---- views (share storage; recorded for autograd) -------------------------
  Tensor view(const Shape& shape) const;     // contiguous data only; one dim may be -1
  Tensor reshape(const Shape& shape) const;  // a view when possible, else a copy
  Tensor permute(const std::vector<std::int64_t>& dims) const;
  Tensor transpose(std::int64_t d0, std::int64_t d1) const;
  Tensor t() const { return transpose(0, 1); }
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  Tensor slice(std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step = 1) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;  // removes `dim`
  Tensor expand(const Shape& shape) const;                    // -1 keeps a size
  Tensor squeeze(std::int64_t dim) const;
  Tensor unsqueeze(std::int64_t dim) const;
  Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  /// This tensor if already contiguous, else a contiguous copy.
  Tensor contiguous() const;

  // ---- copies and conversions -------------------------------------------------
  Tensor clone() const;
  Tensor to(DType dtype) const;
  Tensor to(Device device) const;

  // ---- in-place writes (not recorded; refuse on tensors autograd needs) ------
  Tensor& fill_(double value);
  Tensor& zero_() { return fill_(0.0); }
  /// Copies `src` (broadcast to this shape, converted to this dtype) into this view.
  Tensor& copy_(const Tensor& src);

  /// "tensor(shape=(2, 3), dtype=float32, device=cpu)\n[[...]]", at most
  /// `edge_items` values per dim from each end.
  std::string str(std::int64_t edge_items = 3) const;

 private:
  TensorImpl& checked() const {
    GF_CHECK(impl_ != nullptr, "Tensor: operation on an undefined tensor");
    return *impl_;
  }
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

/// Builds a view onto `base`'s storage with new shape/strides/offset (no autograd).
Tensor make_view(const Tensor& base, Shape shape, Shape strides, std::int64_t offset);

}  // namespace gf
