#!/usr/bin/env bash
# Rewrites the fuzz targets' seed corpora in tests/fuzz/seeds/<target>/ with
# ganforge's own writers (tests/fuzz/make_seeds.cpp).
#   bash tests/fuzz/make_seeds.sh        after a build of the library in build/
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${GF_BUILD:-$root/build}"
mkdir -p "$build/fuzz"
"${CXX:-c++}" -std=c++20 -O1 -I "$root/include" "$root/tests/fuzz/make_seeds.cpp" \
  -L "$build" -lganforge -Wl,-rpath,"$build" -lz -o "$build/fuzz/make_seeds"
OMP_WAIT_POLICY=passive "$build/fuzz/make_seeds" "$root/tests/fuzz/seeds"
du -sh "$root/tests/fuzz/seeds"/*
