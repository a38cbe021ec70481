#pragma once
// The interface every dataset implements: a size and random access by index.
//
//   gf::data::FashionMnist train(gf::data::Split::kTrain);
//   gf::data::Example ex = train.get(0);   // ex.image (1, 28, 28) in [0, 1], ex.label 9
//
// get() must be safe to call from the loader's background thread while the
// main thread trains: implementations keep no mutable state.
#include <cstdint>
#include <string>
#include <vector>

#include "gf/core/tensor.hpp"

namespace gf::data {

/// One item of a dataset.
struct Example {
  Tensor image;             // (C, H, W) float32
  std::int64_t label = -1;  // class index, -1 when the dataset has no classes
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::int64_t size() const = 0;
  /// Example `index`, 0 <= index < size(); throws gf::Error when out of range.
  virtual Example get(std::int64_t index) const = 0;
  /// Names of the classes labels index into; empty when unlabelled.
  virtual std::vector<std::string> class_names() const { return {}; }
};

/// Finds `query` among class `names`, forgiving what people type: case,
/// spaces, '-' and '_' are ignored, a plural "s"/"es" is dropped, each
/// '/'-separated part of a name counts ("top" finds "T-shirt/top"), and a
/// number is taken as the index itself.
///   find_class(fashion_mnist_classes(), "Sneakers") == 7
/// Throws gf::Error listing the names when nothing matches.
std::int64_t find_class(const std::vector<std::string>& names, const std::string& query);

}  // namespace gf::data
