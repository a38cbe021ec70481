#!/usr/bin/env bash
# Installs what is missing, builds everything, checks that an installed
# ganforge works through find_package, and runs the whole test suite.
#   bash scripts/test.sh
source "$(dirname "$0")/common.sh"
gf_install_packages
# Without a GPU the CUDA backend is only compiled, to keep it from rotting:
# one architecture (sm_90, H100/H200) checks the code as well as four would,
# in a quarter of nvcc's time. With a GPU the build targets that GPU.
cuda_archs=()
if ! nvidia-smi -L >/dev/null 2>&1; then cuda_archs=(-DCMAKE_CUDA_ARCHITECTURES=90); fi
gf_configure_and_build -DGF_BUILD_TESTS=ON -DGF_BUILD_EXAMPLES=ON "${cuda_archs[@]}"

echo "== find_package(ganforge) from an install tree"
prefix="$GF_BUILD/package-check/install"
cmake --install "$GF_BUILD" --prefix "$prefix" >/dev/null
cmake -S "$GF_ROOT/tests/package" -B "$GF_BUILD/package-check/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$GF_BUILD/package-check/build" >/dev/null
"$GF_BUILD/package-check/build/package_check"

echo "== test suite"
"$GF_BUILD/tests/gf_tests"
