#!/usr/bin/env bash
# The web page in Debian's Chromium, driven by playwright-core (installed from
# the committed package-lock.json; it downloads no browser). Screenshots go
# to build/screenshots, or where GF_SHOTS says (GF_SHOTS=docs/images renews
# the ones docs/service.md shows).
#   bash tests/browser/run.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${GF_BUILD:-$root/build}"
command -v npm >/dev/null || { echo "the browser test needs Node.js 20 with npm" >&2; exit 1; }
shots="$(realpath -m "${GF_SHOTS:-$build/screenshots}")"
mkdir -p "$shots"
cd "$root/tests/browser"
npm ci --no-audit --no-fund --loglevel=error
node page_test.mjs --serve "$build/examples/serve" --photo /usr/lib/python3/dist-packages/skimage/data/chelsea.png \
  --shots "$shots"
