#!/usr/bin/env bash
# Builds and starts the style-transfer service on http://127.0.0.1:8080/
# with the built-in gallery; open that address in a browser. Ctrl-C stops it.
#   bash scripts/serve.sh                       (extra arguments go to serve, e.g. --port 9000 --styles runs/)
source "$(dirname "$0")/common.sh"
gf_install_packages
gf_configure_and_build -DGF_BUILD_TESTS=OFF -DGF_BUILD_EXAMPLES=ON $(gf_cuda_flags)
exec "$GF_BUILD/examples/serve" --host 127.0.0.1 --port 8080 "$@"
