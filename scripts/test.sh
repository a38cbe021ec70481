#!/usr/bin/env bash
# Installs what is missing, builds everything, checks that an installed
# ganforge works through find_package, and runs the whole test suite: the
# layer check over the #include lines, the doctest suites (data-parallel
# training under mpirun among them, as root with --allow-run-as-root), the
# service under load, its web page in Chromium, a brief fuzzing of every
# parser (uploads, images, IDX, safetensors, model files),
# and training killed at random moments.
#   bash scripts/test.sh
source "$(dirname "$0")/common.sh"
# Beyond the build: Chromium for the page test, clang's libFuzzer and
# sanitizers for the fuzz targets, a photo for both (python3-skimage-lib).
GF_PACKAGES+=(chromium clang-14 libclang-rt-14-dev python3-skimage-lib curl)
gf_install_packages
# Without a GPU the CUDA backend is only compiled, to keep it from rotting:
# one architecture (sm_90, H100/H200) checks the code as well as four would,
# in a quarter of nvcc's time. With a GPU the build targets that GPU.
gf_configure_and_build -DGF_BUILD_TESTS=ON -DGF_BUILD_EXAMPLES=ON $(gf_cuda_flags compile-anyway)

echo "== find_package(ganforge) from an install tree"
prefix="$GF_BUILD/package-check/install"
cmake --install "$GF_BUILD" --prefix "$prefix" >/dev/null
cmake -S "$GF_ROOT/tests/package" -B "$GF_BUILD/package-check/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$GF_BUILD/package-check/build" >/dev/null
"$GF_BUILD/package-check/build/package_check"

echo "== layer check: every #include goes down the layers"
python3 "$GF_ROOT/scripts/check_layers.py"

echo "== test suite"
"$GF_BUILD/tests/gf_tests"

echo "== the service under load"
bash "$GF_ROOT/tests/load/run.sh"

echo "== the web page in Chromium"
bash "$GF_ROOT/tests/browser/run.sh"

echo "== fuzzing every parser, 10 s each (longer by hand: bash tests/fuzz/run.sh 600)"
bash "$GF_ROOT/tests/fuzz/run.sh" 10

echo "== training killed at random moments (8 kills; longer by hand: bash tests/kill/run.sh 40)"
bash "$GF_ROOT/tests/kill/run.sh" 8
