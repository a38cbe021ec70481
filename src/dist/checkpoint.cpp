#include "gf/dist/checkpoint.hpp"

#include <fstream>
#include <sstream>

namespace gf::dist {
namespace {

// Rank root's verdict travels as the bytes themselves: a file, or this
// marker and the error, so that the other ranks fail with the same words.
constexpr char kFailed[] = "ganforge: rank 0 could not read the checkpoint\n";

}  // namespace

io::SafetensorsFile load_safetensors_from_root(const std::string& path, Communicator& comm, int root) {
  std::string bytes;
  if (comm.rank() == root) {
    try {
      std::ifstream in(path, std::ios::binary);
      GF_CHECK(in, "cannot open checkpoint ", path);
      std::ostringstream contents;
      contents << in.rdbuf();
      bytes = contents.str();
      io::decode_safetensors(bytes, path);  // a bad file fails here, for everyone
    } catch (const std::exception& e) {
      bytes = std::string(kFailed) + e.what();
    }
  }
  comm.broadcast_bytes(bytes, root);
  if (bytes.starts_with(kFailed)) throw Error(bytes.substr(sizeof(kFailed) - 1));
  return io::decode_safetensors(bytes, path);
}

}  // namespace gf::dist
