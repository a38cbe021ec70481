"""Shared by the PyTorch peer benchmarks: the configuration, the timer, the output.

The peer must be PyTorch at its best on this machine, or a ratio against it
means nothing:
  * two intra-op threads (Debian's build defaults to one here);
  * oneDNN (mkldnn) enabled;
  * OpenBLAS's OpenMP build. Debian's default pthread OpenBLAS starts its own
    threads inside PyTorch's OpenMP threads, oversubscribes the two cores and
    makes a DCGAN-28 training step ~5x slower (850 ms against 170 ms);
  * OPENBLAS_CORETYPE=SkylakeX, because OpenBLAS misdetects this virtual CPU
    as "Prescott" and would run its SSE kernels.
The library is chosen by the dynamic loader, so when the environment does not
select it yet the script re-executes itself with it (before torch is imported).

Output: one JSON object per line on stdout, first {"config": ...}, then
{"name", "ms", "gflop" | "gb", "images_per_s"} per benchmark, where "gflop" and
"gb" are the work of ONE iteration (report.py divides by the time).
Run with Debian's interpreter: /usr/bin/python3 benchmarks/pytorch/kernels.py
"""

import argparse
import json
import os
import statistics
import sys
import time

OPENBLAS_OPENMP_DIR = "/usr/lib/x86_64-linux-gnu/openblas-openmp"
THREADS = 2
_BEST_ENV = {"OPENBLAS_CORETYPE": "SkylakeX", "OMP_NUM_THREADS": str(THREADS)}


def _reexec_with_best_environment():
    """Re-executes this script with OpenBLAS-OpenMP first on the loader path."""
    env = dict(os.environ)
    changed = False
    for key, value in _BEST_ENV.items():
        if key not in env:
            env[key] = value
            changed = True
    paths = env.get("LD_LIBRARY_PATH", "").split(":")
    if os.path.isdir(OPENBLAS_OPENMP_DIR) and OPENBLAS_OPENMP_DIR not in paths:
        env["LD_LIBRARY_PATH"] = ":".join([OPENBLAS_OPENMP_DIR] + [p for p in paths if p])
        changed = True
    if changed:
        os.execve(sys.executable, [sys.executable] + sys.orig_argv[1:], env)


_reexec_with_best_environment()

try:
    import torch
except ImportError:
    sys.exit("torch not found: run with Debian's /usr/bin/python3 (package python3-torch)")

torch.set_num_threads(THREADS)
torch.backends.mkldnn.enabled = True


def loaded_blas():
    """Path of the OpenBLAS (or other BLAS) library the loader actually mapped."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if line.rstrip().endswith(".so") or ".so." in line}
    # libblas.so.3 is a front for the real library; name the library itself.
    blas = sorted(paths, key=lambda p: ("libopenblas" not in p, "libmkl" not in p, "libblas" not in p))
    return blas[0] if blas and any(k in blas[0] for k in ("blas", "mkl")) else "none"


def config():
    return {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "mkldnn": torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled,
        "blas": loaded_blas(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", ""),
    }


def median_ms(fn, repetitions=7, min_repetition_s=0.05, warmup_s=0.3):
    """Median over repetitions of the time of one call, in milliseconds.

    Warms up (caches, allocator, oneDNN primitive caches) for at least warmup_s
    and two calls, then makes each repetition long enough (several calls when one
    is short) that timer resolution does not matter.
    """
    start = time.perf_counter()
    calls = 0
    while calls < 2 or time.perf_counter() - start < warmup_s:
        fn()
        calls += 1
    per_call = (time.perf_counter() - start) / calls
    inner = max(1, int(min_repetition_s / per_call + 0.5))
    times = []
    for _ in range(repetitions):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    return statistics.median(times) * 1e3


def parse_args(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--only", metavar="NAME[,NAME...]", help="run only these benchmarks (exact names)")
    parser.add_argument("--list", action="store_true", help="print the benchmark names and exit")
    return parser.parse_args()


def run(benchmarks, description, extra_config=None):
    """Runs benchmarks: a list of (name, setup) where setup() returns (fn, work),
    work being a dict such as {"gflop": 1.2} or {"gb": 0.1, "images": 64}.
    extra_config adds entries to the config line (the GPU peer's device)."""
    args = parse_args(description)
    names = [name for name, _ in benchmarks]
    if args.list:
        print("\n".join(names))
        return
    only = args.only.split(",") if args.only is not None else names
    unknown = [name for name in only if name not in names]
    if unknown:
        sys.exit(f"--only: no benchmark named {', '.join(unknown)}; known: {', '.join(names)}")
    print(json.dumps({"config": {**config(), **(extra_config or {})}}), flush=True)
    for name, setup in benchmarks:
        if name not in only:
            continue
        fn, work = setup()
        ms = median_ms(fn)
        result = {"name": name, "ms": round(ms, 4)}
        for key in ("gflop", "gb"):
            if key in work:
                result[key] = work[key]
        if "images" in work:
            result["images_per_s"] = round(work["images"] / (ms / 1e3), 1)
        print(json.dumps(result), flush=True)
