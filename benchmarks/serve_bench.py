#!/usr/bin/python3
"""The service against what a user would run instead, timed interleaved.

  /usr/bin/python3 benchmarks/serve_bench.py [--build build] [--rounds 3]

Starts, side by side on loopback:
  serve 2x1      ganforge's serve, 2 workers x 1 thread (the default on 2 cores)
  serve 1x2      ganforge's serve, 1 worker x 2 threads
  pytorch        benchmarks/pytorch/serve_peer.py: the same network and weights
                 (gallery/elephants.safetensors) in PyTorch behind Python's
                 ThreadingHTTPServer, torch threads = cores
and for each round, each picture size (256, 512 px longest side) and each
client concurrency (1, 8) runs tests/load/serve_load.cpp against every server
in turn (one after the other, then the next setting), so slow and fast phases
of the machine fall on all of them alike. Prints the median images/s, p50 and
p99 latency over the rounds, and our throughput over the peer's.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PHOTO = "/usr/lib/python3/dist-packages/skimage/data/chelsea.png"  # python3-skimage-lib
WEIGHTS = os.path.join(ROOT, "gallery", "elephants.safetensors")


def start(name, command):
    """Starts a server and waits for its 'listening on URL' line."""
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
    line = process.stdout.readline()
    match = re.search(r"listening on (http://127\.0\.0\.1:\d+)/", line)
    if not match:
        log.seek(0)
        sys.exit(f"serve_bench: {name} did not start: {line} {log.read().decode()}")
    return process, match.group(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    serve = os.path.join(args.build, "examples", "serve")
    load = os.path.join(args.build, "tests", "serve_load")
    cores = os.cpu_count()

    servers = {}
    for name, command in [
        (f"serve {cores}x1", [serve, "--port", "0", "--quiet", "--workers", str(cores), "--threads", "1"]),
        (f"serve 1x{cores}", [serve, "--port", "0", "--quiet", "--workers", "1", "--threads", str(cores)]),
        ("pytorch", ["/usr/bin/python3", os.path.join(ROOT, "benchmarks", "pytorch", "serve_peer.py"),
                     "--weights", WEIGHTS, "--port", "0", "--threads", str(cores)]),
    ]:
        servers[name] = start(name, command)
    results = {}  # (size, concurrency, server) -> [figures per round]
    try:
        for round_ in range(args.rounds):
            for size in (256, 512):
                for concurrency in (1, 8):
                    requests = (40 if size == 256 else 16) * (1 if concurrency == 1 else 4)
                    for name, (_, url) in servers.items():
                        with tempfile.NamedTemporaryFile(suffix=".json") as out:
                            subprocess.run([load, "--url", url, "--photo", PHOTO, "--style", "elephants",
                                            "--size", str(size), "--requests", str(requests),
                                            "--concurrency", str(concurrency), "--warmup", str(2 * concurrency),
                                            "--json", out.name], check=True, stdout=subprocess.DEVNULL)
                            figures = json.load(open(out.name))
                        results.setdefault((size, concurrency, name), []).append(figures)
                        print(f"round {round_ + 1} size {size} concurrency {concurrency} {name}: "
                              f"{figures['images_per_s']:.2f} images/s, p99 {figures['p99_ms']:.0f} ms", flush=True)
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait()

    print(f"\n{time.strftime('%Y-%m-%d')}, {cores} cores, medians over {args.rounds} rounds\n")
    print("| size | clients | server | images/s | p50 ms | p99 ms | vs pytorch |")
    print("|---|---|---|---|---|---|---|")
    for (size, concurrency, name), runs in results.items():
        median = {k: statistics.median(r[k] for r in runs) for k in ("images_per_s", "p50_ms", "p99_ms")}
        peer = statistics.median(r["images_per_s"] for r in results[(size, concurrency, "pytorch")])
        print(f"| {size} | {concurrency} | {name} | {median['images_per_s']:.2f} | {median['p50_ms']:.0f} | "
              f"{median['p99_ms']:.0f} | {median['images_per_s'] / peer:.2f}x |")


if __name__ == "__main__":
    main()
