#pragma once
// MNIST and Fashion-MNIST: 28x28 grayscale images with 10 classes, stored as
// four IDX files (see idx.hpp) in one directory:
//
//   train-images-idx3-ubyte[.gz]  train-labels-idx1-ubyte[.gz]   60000 examples
//   t10k-images-idx3-ubyte[.gz]   t10k-labels-idx1-ubyte[.gz]    10000 examples
//
//   gf::data::FashionMnist train(gf::data::Split::kTrain);   // from kFashionMnistDir
//   train.size();                 // 60000
//   train.get(0).image;           // (1, 28, 28) float32 in [0, 1]
//   gf::data::find_class(train.class_names(), "sneakers");    // 7
#include <cstdint>
#include <string>
#include <vector>

#include "gf/data/dataset.hpp"

namespace gf::data {

/// Where Debian's dataset-fashion-mnist package puts the files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

enum class Split { kTrain, kTest };

/// "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
/// "Sneaker", "Bag", "Ankle boot".
const std::vector<std::string>& fashion_mnist_classes();
/// "0" ... "9".
const std::vector<std::string>& mnist_classes();

/// Any MNIST-format directory. The images stay in memory as bytes (47 MB for
/// the 60000 training images) and become float32 one example at a time.
class MnistDataset : public Dataset {
 public:
  /// Reads the `split` files from `root`, gzipped or plain. Throws gf::Error
  /// naming the file when one is missing or damaged, or when the image and
  /// label counts differ.
  MnistDataset(const std::string& root, Split split, std::vector<std::string> class_names = mnist_classes());

  std::int64_t size() const override { return count_; }
  /// (1, rows, cols) float32 in [0, 1] and the label.
  Example get(std::int64_t index) const override;
  std::vector<std::string> class_names() const override { return class_names_; }

  std::int64_t rows() const { return rows_; }
  std::int64_t cols() const { return cols_; }
  /// All labels, (N,) in order.
  const std::vector<std::int64_t>& labels() const { return labels_; }
  /// The image file actually read (with or without .gz).
  const std::string& images_path() const { return images_path_; }

 private:
  std::int64_t count_ = 0, rows_ = 0, cols_ = 0;
  std::vector<std::uint8_t> pixels_;  // (N, rows, cols), 0..255
  std::vector<std::int64_t> labels_;  // (N,)
  std::vector<std::string> class_names_;
  std::string images_path_;
};

/// Fashion-MNIST (Xiao et al. 2017), by default from kFashionMnistDir.
class FashionMnist : public MnistDataset {
 public:
  explicit FashionMnist(Split split, const std::string& root = kFashionMnistDir)
      : MnistDataset(root, split, fashion_mnist_classes()) {}
};

}  // namespace gf::data
