// MNIST-format datasets: locate the four files, read them, serve examples.
#include "gf/data/mnist.hpp"

#include <filesystem>

#include "gf/data/idx.hpp"

namespace gf::data {
namespace {

// "<dir>/<name>.gz" when present, else "<dir>/<name>"; throws naming both.
std::string find_file(const std::string& root, const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path gz = fs::path(root) / (name + ".gz"), plain = fs::path(root) / name;
  if (fs::exists(gz)) return gz.string();
  if (fs::exists(plain)) return plain.string();
  throw Error(detail::concat("MnistDataset: missing file ", gz.string(), " (or uncompressed ", plain.string(), ")",
                             root == kFashionMnistDir ? "; install the Debian package dataset-fashion-mnist" : ""));
}

}  // namespace

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

const std::vector<std::string>& mnist_classes() {
  static const std::vector<std::string> names{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  return names;
}

MnistDataset::MnistDataset(const std::string& root, Split split, std::vector<std::string> class_names)
    : class_names_(std::move(class_names)) {
  GF_CHECK(std::filesystem::is_directory(root), "MnistDataset: directory ", root, " does not exist",
           root == kFashionMnistDir ? "; install the Debian package dataset-fashion-mnist" : "");
  const std::string stem = split == Split::kTrain ? "train" : "t10k";
  images_path_ = find_file(root, stem + "-images-idx3-ubyte");
  const std::string labels_path = find_file(root, stem + "-labels-idx1-ubyte");

  IdxArray images = read_idx(images_path_, 3);  // (N, rows, cols)
  IdxArray labels = read_idx(labels_path, 1);   // (N,)
  GF_CHECK(images.dims[0] == labels.dims[0], "MnistDataset: ", images_path_, " holds ", images.dims[0],
           " images but ", labels_path, " holds ", labels.dims[0], " labels");
  GF_CHECK(images.dims[0] > 0 && images.dims[1] > 0 && images.dims[2] > 0, "MnistDataset: ", images_path_,
           " holds ", images.dims[0], " images of ", images.dims[1], " x ", images.dims[2],
           " pixels; a dataset needs at least one image of at least 1 x 1");
  count_ = images.dims[0];
  rows_ = images.dims[1];
  cols_ = images.dims[2];
  pixels_ = std::move(images.bytes);
  labels_.assign(labels.bytes.begin(), labels.bytes.end());
  for (std::size_t i = 0; i < labels_.size(); ++i)
    GF_CHECK(labels_[i] < static_cast<std::int64_t>(class_names_.size()), "MnistDataset: ", labels_path, ": label ",
             labels_[i], " at index ", i, " but there are only ", class_names_.size(), " classes");
}

Example MnistDataset::get(std::int64_t index) const {
  GF_CHECK(index >= 0 && index < count_, "MnistDataset::get: index ", index, " out of range for ", count_,
           " examples");
  Tensor image = Tensor::empty({1, rows_, cols_});  // (1, H, W)
  bytes_to_unit_float(pixels_.data() + index * rows_ * cols_, image.data<float>(), rows_ * cols_);
  return {image, labels_[static_cast<std::size_t>(index)]};
}

}  // namespace gf::data
