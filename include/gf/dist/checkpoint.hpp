#pragma once
// Checkpoints in a data-parallel job: rank 0 reads, everyone gets its bytes.
//
// The ranks must start from one state. Rather than every rank opening the file
// (a shared file system under load, or a file only rank 0's node has), rank 0
// reads it and broadcasts the bytes; each rank decodes the same bytes. A
// checkpoint holds no rank count, so a run saved by 4 ranks resumes on 2.
#include <string>

#include "gf/dist/communicator.hpp"
#include "gf/io/safetensors.hpp"

namespace gf::dist {

/// The safetensors file at `path` as rank `root` reads it, on every rank.
/// When rank `root` cannot read or parse it, every rank throws its gf::Error.
io::SafetensorsFile load_safetensors_from_root(const std::string& path, Communicator& comm, int root = 0);

}  // namespace gf::dist
