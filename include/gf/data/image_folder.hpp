#pragma once
// A dataset of the image files under a directory.
//
//   gf::data::ImageFolder faces("photos/", {.channels = 3});
//   faces.size();                 // every .png/.jpg/.jpeg below photos/, recursively
//   faces.skipped().size();       // files that could not be decoded or are too small (reported on stderr)
//
// With `classes`, each immediate sub-folder is a class (names sorted, label =
// position), like torchvision's ImageFolder:
//
//   pets/cat/1.png  pets/cat/2.jpg  pets/dog/a.png   ->   classes {"cat", "dog"}
//
// Every file is decoded once when the folder is opened, so a damaged file is
// found and skipped up front instead of failing mid-training; get() decodes
// again (nothing is cached, so a folder of large photos costs no memory).
// Images keep their own sizes: give the loader a resize transform when they differ.
#include <cstdint>
#include <string>
#include <vector>

#include "gf/data/dataset.hpp"

namespace gf::data {

struct ImageFolderOptions {
  int channels = 3;      // 1 (gray), 3 (RGB) or 4 (RGBA); files are converted
  bool classes = false;  // label each image by its immediate sub-folder
  // Images smaller than min_side x min_side are skipped too, the reason
  // quoting min_side_why (what the program needs them for).
  std::int64_t min_side = 1;
  std::string min_side_why;
};

/// A file that was left out, and why.
struct SkippedFile {
  std::string path;
  std::string reason;
};

class ImageFolder : public Dataset {
 public:
  /// Scans `root` (sorted, so the order is the same on every machine).
  /// Throws gf::Error when `root` is not a directory or holds no readable image.
  explicit ImageFolder(const std::string& root, ImageFolderOptions options = {});

  std::int64_t size() const override { return static_cast<std::int64_t>(files_.size()); }
  /// (channels, H, W) float32 in [0, 1]; label = class index, or -1 without classes.
  Example get(std::int64_t index) const override;
  std::vector<std::string> class_names() const override { return class_names_; }

  /// The images, in index order.
  const std::vector<std::string>& paths() const { return files_; }
  /// Image files that could not be read or are too small, and files outside any class folder.
  const std::vector<SkippedFile>& skipped() const { return skipped_; }

 private:
  ImageFolderOptions options_;
  std::vector<std::string> files_;
  std::vector<std::int64_t> labels_;  // one per file
  std::vector<std::string> class_names_;
  std::vector<SkippedFile> skipped_;
};

}  // namespace gf::data
