// ImageFolder: find the image files, sort them, decode each once to weed out
// the broken ones.
#include "gf/data/image_folder.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <map>

#include "gf/core/parallel.hpp"
#include "gf/io/image.hpp"
#include "gf/io/image_size.hpp"

namespace gf::data {
namespace {

namespace fs = std::filesystem;

bool has_image_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";  // what read_image decodes
}

// Why the image at `path` cannot be used (it does not decode, or it is too
// small), or "" when it can.
std::string image_error(const std::string& path, const ImageFolderOptions& options) {
  try {
    const Tensor image = io::read_image(path, options.channels);
    return io::too_small(image.size(1), image.size(2), "the image", options.min_side, options.min_side_why);
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace

ImageFolder::ImageFolder(const std::string& root, ImageFolderOptions options) : options_(options) {
  GF_CHECK(options.channels == 1 || options.channels == 3 || options.channels == 4,
           "ImageFolder: channels must be 1, 3 or 4, got ", options.channels);
  GF_CHECK(fs::is_directory(root), "ImageFolder: ", root, " is not a directory");

  // Paths relative to root in '/' form, sorted: the same order on every machine.
  std::vector<std::string> candidates;
  for (const auto& entry : fs::recursive_directory_iterator(root, fs::directory_options::follow_directory_symlink))
    if (entry.is_regular_file() && has_image_extension(entry.path()))
      candidates.push_back(fs::relative(entry.path(), root).generic_string());
  std::sort(candidates.begin(), candidates.end());

  // Classes: the first folder of each image's relative path, sorted by name.
  std::map<std::string, std::int64_t> class_index;
  if (options.classes) {
    for (const auto& rel : candidates)
      if (const auto slash = rel.find('/'); slash != std::string::npos) class_index[rel.substr(0, slash)] = 0;
    for (auto& [name, index] : class_index) {
      index = static_cast<std::int64_t>(class_names_.size());
      class_names_.push_back(name);
    }
  }

  // Decoding is the only sure test of a file; do it on all cores, keep the
  // verdicts in file order so the report is deterministic.
  const auto in_class_folder = [](const std::string& rel) { return rel.find('/') != std::string::npos; };
  std::vector<std::string> reasons(candidates.size());
  parallel_for(0, static_cast<std::int64_t>(candidates.size()), 1, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i)
      reasons[i] = options.classes && !in_class_folder(candidates[i])
                       ? "not inside a class folder"
                       : image_error((fs::path(root) / candidates[i]).string(), options);
  });

  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const std::string path = (fs::path(root) / candidates[i]).string();
    const std::string& reason = reasons[i];
    if (!reason.empty()) {
      std::cerr << "ImageFolder: skipping " << path << ": " << reason << "\n";
      skipped_.push_back({path, reason});
      continue;
    }
    files_.push_back(path);
    labels_.push_back(options.classes ? class_index.at(candidates[i].substr(0, candidates[i].find('/'))) : -1);
  }
  GF_CHECK(!files_.empty(), "ImageFolder: no readable image (.png, .jpg, .jpeg) under ", root,
           skipped_.empty() ? "" : detail::concat(" (", skipped_.size(), " files skipped, see above)"));
}

Example ImageFolder::get(std::int64_t index) const {
  GF_CHECK(index >= 0 && index < size(), "ImageFolder::get: index ", index, " out of range for ", size(), " images");
  const auto i = static_cast<std::size_t>(index);
  return {io::read_image(files_[i], options_.channels), labels_[i]};
}

}  // namespace gf::data
