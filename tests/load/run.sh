#!/usr/bin/env bash
# The service under load, in the test command: starts serve on a free
# loopback port with the built-in gallery, sends 2000 stylise requests of
# 256-px pictures at concurrency 16 with 500 malformed ones mixed in, and
# fails unless every valid one got 200, every malformed one a 4xx, nothing a
# 5xx, and the server's memory after the run is within 10% of what it was
# after warm-up (tests/load/serve_load.cpp). Then SIGTERM must end it with 0.
#   bash tests/load/run.sh [REQUESTS] [MALFORMED]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${GF_BUILD:-$root/build}"
requests="${1:-2000}"
malformed="${2:-500}"
photo=/usr/lib/python3/dist-packages/skimage/data/chelsea.png  # python3-skimage-lib; not a training photo

log="$(mktemp -d)"
"$build/examples/serve" --port 0 --quiet > "$log/out" 2> "$log/err" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$log"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$log/out" && break; sleep 0.1; done
url="$(grep -o 'http://127.0.0.1:[0-9]*' "$log/out")"
style="$(curl -s "$url/api/v1/styles" | grep -o '"id":"[^"]*","kind":"network"' | head -1 | cut -d'"' -f4)"

"$build/tests/serve_load" --url "$url" --photo "$photo" --style "$style" --size 256 \
  --requests "$requests" --malformed "$malformed" --concurrency 16 --warmup 200 --check

kill -TERM $pid
wait $pid && echo "serve_load: serve exited 0 on SIGTERM" || { echo "serve exited $? on SIGTERM"; cat "$log/err"; exit 1; }
