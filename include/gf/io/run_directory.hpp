#pragma once
// What a training program checks and tidies in its --out folder before it
// starts: an earlier run's checkpoint is never replaced by accident, and the
// temporary files of runs that were killed mid-save do not pile up.
#include <string>
#include <vector>

namespace gf::io {

/// Gets a training run's --out folder ready before any work starts, the same
/// way in every training program: refuses to replace out/checkpoint.safetensors
/// unless `may_replace_checkpoint` (the user gave --resume or --overwrite),
/// creates out/samples, and removes the stale temporaries in both folders.
void prepare_run_directory(const std::string& out, bool may_replace_checkpoint);

/// Throws gf::Error when `checkpoint` exists: a new run would replace an
/// earlier one's work. The message names the file and the two ways on
/// (--resume it, or --overwrite). Training programs call this unless the user
/// gave one of those options.
void refuse_to_replace_checkpoint(const std::string& checkpoint);

/// Removes the files in `dir` (not below it) that an atomic save left behind
/// when its process died before renaming them into place (see write_file_atomic),
/// and returns their paths. A temporary whose process still runs is another
/// program's save in progress and stays. A missing `dir` has nothing to remove.
/// The pid in the name is looked up on this machine: do not share one --out
/// between machines (or pid namespaces) that save into it at the same time.
std::vector<std::string> remove_stale_temporaries(const std::string& dir);

}  // namespace gf::io
