#pragma once
// Sequential: runs its children one after another.
//
//   auto net = std::make_shared<gf::nn::Sequential>(
//       gf::nn::make<gf::nn::Linear>({.in = 2, .out = 16}), std::make_shared<gf::nn::ReLU>(),
//       gf::nn::make<gf::nn::Linear>({.in = 16, .out = 1}));
//   Tensor y = (*net)(x);            // children named "0", "1", "2"
//   net->at<gf::nn::Linear>(2)->weight;
#include <memory>
#include <vector>

#include "gf/nn/module.hpp"

namespace gf::nn {

class Sequential : public Module {
 public:
  Sequential() = default;
  template <typename... M>
  explicit Sequential(std::shared_ptr<M>... modules) {
    (push_back(std::move(modules)), ...);
  }

  /// Appends `module`, named by its index.
  void push_back(std::shared_ptr<Module> module);
  std::size_t size() const { return layers_.size(); }
  const std::shared_ptr<Module>& operator[](std::size_t i) const;
  /// Child i as its concrete type; throws if it is something else.
  template <typename M>
  std::shared_ptr<M> at(std::size_t i) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[i]);
    GF_CHECK(m != nullptr, "Sequential::at: child ", i, " is a ", (*this)[i]->type_name(), ", not the type asked for");
    return m;
  }
  auto begin() const { return layers_.begin(); }
  auto end() const { return layers_.end(); }

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sequential"; }

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

}  // namespace gf::nn
