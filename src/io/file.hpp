#pragma once
// Whole-file reads and atomic whole-file writes, shared by the image and
// checkpoint code. Errors name the calling op, the path and the OS's reason.
#include <string>
#include <string_view>

namespace gf::io {

/// The bytes of the file at `path`; throws gf::Error "`op`: cannot read '<path>': <reason>".
std::string read_file(const std::string& path, const char* op);

/// Replaces the file at `path` with `bytes` so that a reader sees either the old
/// file or the complete new one, never a half-written file: the bytes go to a
/// temporary file in the same directory, which is flushed to disk and then
/// renamed over `path` (rename is atomic within one file system).
void write_file_atomic(const std::string& path, std::string_view bytes, const char* op);

}  // namespace gf::io
