#pragma once
// Whole-file reads and atomic whole-file writes, shared by the image,
// checkpoint and metrics code. Errors name the calling op, the path and the
// OS's reason.
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace gf::io {

/// The bytes of the file at `path`; throws gf::Error "`op`: cannot read '<path>': <reason>".
std::string read_file(const std::string& path, const char* op);

/// Replaces the file at `path` with `bytes` so that a reader sees either the old
/// file or the complete new one, never a half-written file: the bytes go to a
/// temporary file in the same directory, which is flushed to disk and then
/// renamed over `path` (rename is atomic within one file system).
/// The temporary is named ".<name>.tmp-<pid>-<n>"; a writer killed before the
/// rename leaves it behind (remove_stale_temporaries in gf/io/run_directory.hpp).
void write_file_atomic(const std::string& path, std::string_view bytes, const char* op);

/// The process id in `filename` when it is one of write_file_atomic's temporary
/// names, nothing for any other name.
std::optional<pid_t> temporary_file_owner(std::string_view filename);

/// Writes all of `bytes` to the open descriptor `fd` (retrying short writes);
/// `path` and `op` name the file in the error.
void write_all(int fd, std::string_view bytes, const std::string& path, const char* op);

}  // namespace gf::io
