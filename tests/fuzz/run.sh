#!/usr/bin/env bash
# Builds the fuzz targets with clang (libFuzzer + AddressSanitizer +
# UndefinedBehaviorSanitizer) and runs each for SECONDS (default 30).
#   bash tests/fuzz/run.sh [SECONDS] [TARGET...]   after a build of the library in build/
# Targets (tests/fuzz/fuzz_<target>.cpp; all by default):
#   upload          the service's upload path: multipart parser, request checks, decoders
#   safetensors     io::decode_safetensors, with a write-and-read round trip
#   idx             data::read_idx through the image and label readers, plain and gzip
#   image           io::decode_untrusted_image (PNG, JPEG) for each channels value
#   gan_checkpoint  read_trainer_options, load_generator, GanTrainer::load
#   style_net       models::load_style_net
#   adain           models::load_adain
# Only the code under test is instrumented: its sources are compiled into the
# fuzzer (their definitions take precedence over the library's); the rest
# comes from build/libganforge.so. Each target starts from its seeds in
# tests/fuzz/seeds/<target>/ (made by make_seeds.sh); new inputs that reach
# new code collect in build/fuzz/corpus/<target>/ (kept between runs). A
# crash, leak, timeout or out-of-memory leaves its input in build/fuzz/
# (<target>-crash-..., -leak-, -timeout-, -oom-) and fails the script.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${GF_BUILD:-$root/build}"
seconds="${1:-30}"
shift || true
all_targets=(upload safetensors idx image gan_checkpoint style_net adain)
targets=("${@:-${all_targets[@]}}")
out="$build/fuzz"
clang="$(command -v clang++-14 || command -v clang++)"

# The library sources each target instruments, besides tests/fuzz/fuzz_<target>.cpp.
# Every model file goes through the safetensors reader, and its tensors through
# the dtype conversions (a file's F64 NaN converted to an int64 step).
model_file_sources="src/io/safetensors.cpp src/cpu/copy.cpp"
sources_of() {
  case "$1" in
    upload) echo src/serve/multipart.cpp src/serve/stylize_request.cpp src/io/untrusted_image.cpp ;;
    safetensors) echo src/io/safetensors.cpp ;;
    idx) echo src/data/idx.cpp ;;
    image) echo src/io/untrusted_image.cpp ;;
    gan_checkpoint) echo src/models/gan/gan_trainer.cpp src/models/gan/dcgan.cpp src/optim/optimizer.cpp $model_file_sources ;;
    style_net) echo src/models/style/style_net.cpp $model_file_sources ;;
    adain) echo src/models/style/adain_checkpoint.cpp src/models/style/adain.cpp $model_file_sources ;;
    *) echo "run.sh: unknown fuzz target '$1' (targets: ${all_targets[*]})" >&2; return 1 ;;
  esac
}

# The longest input each target gets: big enough for its seeds (the model
# files are 10-40 KB), small enough to keep one run fast. IDX inputs stay
# small because gzip inflates up to 1000-fold.
max_len_of() {
  case "$1" in
    idx) echo 16384 ;;
    *) echo 65536 ;;
  esac
}

# Compiles tests/fuzz/fuzz_$1.cpp with the sources it instruments.
build_target() {
  local sources
  read -ra sources <<<"$(sources_of "$1")"
  "$clang" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I "$root/include" -I "$root/src" -I "$root/tests/fuzz" \
    "$root/tests/fuzz/fuzz_$1.cpp" "${sources[@]/#/$root/}" \
    -L "$build" -lganforge -Wl,-rpath,"$build" -lpng -ljpeg -lz -o "$out/fuzz_$1"
}

mkdir -p "$out"
for target in "${targets[@]}"; do sources_of "$target" >/dev/null; done  # unknown names fail here
echo "== building ${targets[*]} with $clang"
export root build out clang model_file_sources
export -f sources_of build_target
printf '%s\n' "${targets[@]}" | xargs -P "$(nproc)" -I{} bash -c 'build_target {}'

failed=()
for target in "${targets[@]}"; do
  echo "== fuzzing $target for $seconds s"
  mkdir -p "$out/corpus/$target"
  # Memory per input: the largest honest input (a 2^20-pixel picture, a
  # 7 M-parameter AdaIN network, 16 MB of inflated IDX) needs well under
  # 256 MB in one allocation and 1.5 GB in all, sanitizer overhead included.
  if ! OMP_WAIT_POLICY=passive "$out/fuzz_$target" -max_total_time="$seconds" -max_len="$(max_len_of "$target")" \
      -rss_limit_mb=1536 -malloc_limit_mb=256 -timeout=10 -print_final_stats=1 -artifact_prefix="$out/$target-" \
      "$out/corpus/$target" "$root/tests/fuzz/seeds/$target" >"$out/$target.log" 2>&1; then
    failed+=("$target")
  fi
  grep -E "^#[0-9]+[[:space:]]+(INITED|DONE)|ERROR|SUMMARY|Test unit written|stat::number_of_executed_units" \
    "$out/$target.log" | tail -n 6
done
if ((${#failed[@]})); then
  echo "fuzzing found problems in: ${failed[*]} (logs and inputs in $out)" >&2
  exit 1
fi
