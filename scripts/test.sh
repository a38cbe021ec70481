#!/usr/bin/env bash
# Installs what is missing, builds everything, and runs the whole test suite.
#   bash scripts/test.sh
source "$(dirname "$0")/common.sh"
gf_install_packages
gf_configure_and_build -DGF_BUILD_TESTS=ON -DGF_BUILD_EXAMPLES=ON
"$GF_BUILD/tests/gf_tests"
