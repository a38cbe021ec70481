#!/usr/bin/env bash
# Builds the upload-path fuzz target with clang (libFuzzer + AddressSanitizer
# + UndefinedBehaviorSanitizer) and runs it for SECONDS (default 30).
#   bash tests/fuzz/run.sh [SECONDS]        after a build of the library in build/
# Only the code under test is instrumented: the multipart parser, the request
# checks and the decoders are compiled into the fuzzer (their definitions
# take precedence over the library's); the rest comes from build/libganforge.so.
# New inputs that reach new code collect in build/fuzz/corpus (kept between
# runs); a crash leaves its input in build/fuzz/ and fails the script.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${GF_BUILD:-$root/build}"
seconds="${1:-30}"
out="$build/fuzz"
mkdir -p "$out/corpus"
clang="$(command -v clang++-14 || command -v clang++)"

echo "== building fuzz_upload with $clang"
"$clang" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I "$root/include" -I "$root/src" \
  "$root/tests/fuzz/fuzz_upload.cpp" "$root/src/serve/multipart.cpp" "$root/src/serve/stylize_request.cpp" \
  "$root/src/io/untrusted_image.cpp" \
  -L "$build" -lganforge -Wl,-rpath,"$build" -lpng -ljpeg -o "$out/fuzz_upload"

echo "== fuzzing the upload path for $seconds s"
cd "$out"
# rss_limit: a 1-Mpixel picture is the most one input may hold (max_pixels in the target).
./fuzz_upload -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=10 -print_final_stats=1 \
  corpus "$root/tests/fuzz/seeds" 2>&1 | grep -E "^#|ERROR|SUMMARY|Test unit written|stat::number_of_executed_units|Done" | tail -n 8
