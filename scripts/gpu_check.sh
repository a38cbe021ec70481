#!/usr/bin/env bash
# ganforge's CUDA backend on a machine with an NVIDIA GPU, end to end:
#   1. versions   GPU, driver, nvcc, PyTorch with its CUDA and cuDNN
#   2. build      configure with -DGF_CUDA=ON (cuDNN from the CUDA toolkit or from
#                 PyTorch's pip packages), build everything, benchmarks included
#   3. tests      gf_tests: the CUDA suites first (none may skip), then the whole suite
#   4. train      dcgan_train --device cuda: DCGAN-64 at batch 128 for $STEPS steps on a
#                 folder of synthetic 64x64 RGB images (or $GF_GPU_DATA), then dcgan_sample
#   5. bench      bench_cuda and benchmarks/pytorch/dcgan_gpu.py, interleaved, $ROUNDS rounds
#   6. table      ganforge ms, PyTorch ms, ratio, images/s, with the versions on top
# Any step that fails stops the script with a non-zero exit and names the step.
#
#   bash scripts/gpu_check.sh                    all steps
#   bash scripts/gpu_check.sh bench table        only these steps (after a build)
#   bash scripts/gpu_check.sh --fetch-deps       on a Debian machine with network: download
#                                                the build's header and library packages into
#                                                .gpu-deps/ for a GPU machine that has none
# Settings (environment): OUT (logs, table, sample pictures; default ./gpu-out),
# GF_BUILD (default build-cuda), STEPS (300), ROUNDS (3), PY (python3, the one with
# PyTorch), GF_GPU_DATA (a folder of images to train on instead of synthetic ones),
# GF_DEPS (default .gpu-deps: packages fetched by --fetch-deps, used when present).
# shellcheck source=scripts/common.sh
source "$(dirname "$0")/common.sh"

GF_BUILD="${GF_BUILD:-$GF_ROOT/build-cuda}"
OUT="${OUT:-$PWD/gpu-out}"
STEPS="${STEPS:-300}"
ROUNDS="${ROUNDS:-3}"
PY="${PY:-python3}"
GF_DEPS="${GF_DEPS:-$GF_ROOT/.gpu-deps}"
WORK="$GF_BUILD/gpu-check"  # data, training run, benchmark rounds (too big for $OUT)
# What the build needs beyond a compiler, CMake and CUDA (Debian names).
DEP_PACKAGES=(doctest-dev libcli11-dev libstb-dev libstb0 nlohmann-json3-dev libbenchmark-dev
              libbenchmark1debian zlib1g-dev zlib1g)

set -o errtrace  # the ERR trap fires inside the step functions too
step=""
trap 'echo "gpu_check.sh: FAILED in step \"$step\" (logs in $OUT)" >&2' ERR

# ---- dependencies ------------------------------------------------------------------

fetch_deps() {
  mkdir -p "$GF_DEPS"
  (cd "$GF_DEPS" && apt-get download "${DEP_PACKAGES[@]}")
  local debs=("$GF_DEPS"/*.deb)
  echo "fetched ${#debs[@]} packages into $GF_DEPS; carry this folder to the GPU machine"
}

# Unpacks fetched packages (never into /) and points CMake, pkg-config, the
# compiler and the loader at them.
use_fetched_deps() {
  compgen -G "$GF_DEPS/*.deb" >/dev/null || return 0
  local root="$GF_DEPS/root" lib="$GF_DEPS/root/usr/lib/x86_64-linux-gnu" deb link target
  rm -rf "$root" && mkdir -p "$root"
  for deb in "$GF_DEPS"/*.deb; do dpkg-deb -x "$deb" "$root"; done
  # Absolute symbolic links (libz.so -> /lib/...) and .pc prefixes point into /.
  while IFS= read -r link; do
    target=$(readlink "$link")
    if [[ $target == /* && -e "$root$target" ]]; then ln -sfn "$root$target" "$link"; fi
  done < <(find "$root" -type l)
  sed -i "s#^prefix=/usr#prefix=$root/usr#" "$lib"/pkgconfig/*.pc
  export CMAKE_PREFIX_PATH="$root/usr${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
  export PKG_CONFIG_PATH="$lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  export CPATH="$root/usr/include${CPATH:+:$CPATH}"
  export LIBRARY_PATH="$lib:$root/lib/x86_64-linux-gnu${LIBRARY_PATH:+:$LIBRARY_PATH}"
  export LD_LIBRARY_PATH="$lib:$root/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "using the packages in $GF_DEPS"
}

# The folder of a pip package's module (nvidia.cudnn -> .../site-packages/nvidia/cudnn).
pip_module_dir() {
  "$PY" -c "import $1 as m; print(list(m.__path__)[0])" 2>/dev/null || true
}

# cuDNN for CMake: the toolkit's own if it has one, else PyTorch's pip package
# (sets CUDNN_FOUND). Its lib folder goes on the loader path: cuDNN 9 opens its
# engine libraries at run time. PyTorch's cuBLAS joins it when the toolkit has none.
CUDNN_FOUND=""
find_cudnn() {
  local dir lib blas
  if compgen -G "/usr/local/cuda/include/cudnn*.h" >/dev/null || compgen -G "/usr/include/cudnn*.h" >/dev/null; then
    CUDNN_FOUND=system
    echo "cuDNN: from the system"
    return
  fi
  dir=$(pip_module_dir nvidia.cudnn)
  if [ -z "$dir" ] || [ ! -f "$dir/include/cudnn.h" ]; then
    echo "cuDNN: not found (neither the CUDA toolkit nor $PY's nvidia.cudnn package has cudnn.h)"
    return
  fi
  lib=$(find "$dir/lib" -maxdepth 1 -name 'libcudnn.so*' | sort | head -1)
  export CUDNN_ROOT="$dir" CUDNN_INCLUDE_DIR="$dir/include" CUDNN_LIBRARY="$lib"
  export LD_LIBRARY_PATH="$dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  if ! compgen -G "/usr/local/cuda/lib64/libcublas.so*" >/dev/null; then
    blas=$(pip_module_dir nvidia.cublas)
    if [ -n "$blas" ]; then export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$blas/lib"; fi
  fi
  CUDNN_FOUND=pip
  echo "cuDNN: $CUDNN_LIBRARY (PyTorch's pip package)"
}

# ---- steps ---------------------------------------------------------------------------

versions() {
  command -v nvidia-smi >/dev/null || { echo "no NVIDIA driver here (nvidia-smi not found)" >&2; return 1; }
  [ -d /usr/local/cuda/bin ] && export PATH="$PATH:/usr/local/cuda/bin"
  {
    echo "date: $(date -u +%Y-%m-%d)"
    echo "GPU: $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1) (name, memory, driver)"
    echo "nvcc: $(nvcc --version | grep -o 'release [0-9.]*' || echo 'not found')"
    "$PY" -c 'import torch
print(f"PyTorch {torch.__version__}: CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}, "
      f"GPU visible: {torch.cuda.is_available()}")'
  } | tee "$WORK/versions.txt"
}

build() {
  [ -n "$CUDNN_FOUND" ] || { echo "cannot build the CUDA backend without cuDNN" >&2; return 1; }
  gf_configure_and_build -DGF_CUDA=ON -DGF_BUILD_TESTS=ON -DGF_BUILD_EXAMPLES=ON -DGF_BUILD_BENCHMARKS=ON \
    2>&1 | tee "$OUT/build.log"
}

tests() {
  local log="$OUT/tests.log"
  echo "-- the CUDA suites"
  "$GF_BUILD/tests/gf_tests" -ts='cuda*' 2>&1 | tee "$log"
  if grep -q "skipped, " "$log"; then
    echo "the CUDA suites skipped themselves: this build or machine has no usable GPU" >&2
    return 1
  fi
  echo "-- the whole suite"
  "$GF_BUILD/tests/gf_tests" 2>&1 | tee -a "$log" | tail -4
}

# 6400 64x64 RGB pictures of coloured discs on gradients, as 24-bit BMPs
# (Python's standard library and NumPy only).
make_synthetic_images() {
  "$PY" - "$1" <<'EOF'
import os, struct, sys
import numpy as np

out, n, size = sys.argv[1], 6400, 64
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
yy, xx = np.mgrid[0:size, 0:size] / size
for i in range(n):
    a, b = rng.random(3), rng.random(3)
    img = a[None, None, :] * (1 - yy[..., None]) + b[None, None, :] * yy[..., None]  # (H, W, 3) in [0, 1]
    for _ in range(rng.integers(1, 4)):
        cy, cx, r = rng.random(), rng.random(), 0.08 + 0.2 * rng.random()
        img[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = rng.random(3)
    bgr = (img[::-1, :, ::-1] * 255).astype(np.uint8)  # BMP rows bottom-up, BGR
    pixels = bgr.tobytes()  # 64 * 3 bytes per row: already a multiple of 4
    header = struct.pack("<2sIHHIIiiHHIIiiII", b"BM", 54 + len(pixels), 0, 0, 54, 40, size, size, 1, 24, 0,
                         len(pixels), 2835, 2835, 0, 0)
    with open(os.path.join(out, f"img_{i:05d}.bmp"), "wb") as f:
        f.write(header + pixels)
print(f"wrote {n} synthetic {size}x{size} images to {out}")
EOF
}

train() {
  local data="${GF_GPU_DATA:-$WORK/synthetic}" run="$WORK/dcgan64"
  if [ -z "${GF_GPU_DATA:-}" ] && [ ! -d "$data" ]; then make_synthetic_images "$data"; fi
  rm -rf "$run"
  # GF_CUDA_ALLOC_STATS=1: the caching allocator prints its figures at exit.
  GF_CUDA_ALLOC_STATS=1 "$GF_BUILD/examples/dcgan_train" --device cuda --arch dcgan64 --dataset folder --data "$data" --batch-size 128 \
    --steps "$STEPS" --sample-every 100 --out "$run" 2>&1 | tee "$OUT/dcgan_train.log"
  "$GF_BUILD/examples/dcgan_sample" --device cuda --checkpoint "$run/checkpoint.safetensors" --num 64 \
    --out "$WORK/samples" 2>&1 | tee -a "$OUT/dcgan_train.log"
  local grids=("$run"/samples/epoch_*.png)
  cp "${grids[-1]}" "$OUT/dcgan64_samples.png"
  cp "$run/loss_curve.png" "$OUT/dcgan64_loss_curve.png"
  # The last metrics row: step, epoch, losses, D outputs, gradient norms, images/s.
  echo "last metrics row: $(tail -1 "$run/metrics.csv")"
}

bench() {
  local round dir
  rm -rf "$WORK/bench"
  for round in $(seq 1 "$ROUNDS"); do
    dir="$WORK/bench/round-$round"
    mkdir -p "$dir"
    echo "-- round $round/$ROUNDS: bench_cuda, then PyTorch"
    "$GF_BUILD/benchmarks/bench_cuda" --benchmark_out="$dir/bench_cuda.json" --benchmark_out_format=json \
      2>&1 | tee -a "$OUT/bench.log"
    if grep -q '"error_occurred": true' "$dir/bench_cuda.json"; then
      echo "bench_cuda reported errors (see $OUT/bench.log)" >&2
      return 1
    fi
    "$PY" "$GF_ROOT/benchmarks/pytorch/dcgan_gpu.py" | tee "$dir/dcgan_gpu.jsonl" | tee -a "$OUT/bench.log"
  done
}

# The benchmarks both sides ran, through report.py's readers: medians over
# rounds, the ratio is the median of per-round ratios (below 1: ganforge faster).
table() {
  {
    echo "# ganforge on the GPU against PyTorch"
    echo
    if [ -f "$WORK/versions.txt" ]; then sed 's/^/    /' "$WORK/versions.txt"; else echo "(versions: run the versions step)"; fi
    echo
    PYTHONPATH="$GF_ROOT/benchmarks" "$PY" - "$WORK/bench" <<'EOF'
import sys
import report

rounds, _, _ = report.read_rounds(sys.argv[1])
names = sorted({n for r in rounds for n in r["ours"]} | {n for r in rounds for n in r["pytorch"]}, key=report.row_order)
print("| benchmark | ganforge | PyTorch | ganforge / PyTorch time | ganforge rate | PyTorch rate |")
print("|---|---|---|---|---|---|")
for name in names:
    ours, peer = report.across_rounds(rounds, "ours", name), report.across_rounds(rounds, "pytorch", name)
    print(f"| `{name}` | {report.time_cell(ours)} | {report.time_cell(peer)} | "
          f"{report.ratio_cell(rounds, name, 'pytorch', name)} | {report.rate_cell(ours)} | {report.rate_cell(peer)} |")
print(f"\n{len(rounds)} round(s), each bench_cuda then dcgan_gpu.py; times are medians over rounds.")
EOF
  } | tee "$OUT/gpu_table.md"
}

# ---- main ------------------------------------------------------------------------------

if [ "${1:-}" = "--fetch-deps" ]; then
  fetch_deps
  exit 0
fi
ALL_STEPS=(versions build tests train bench table)
selected=("$@")
[ ${#selected[@]} -gt 0 ] || selected=("${ALL_STEPS[@]}")
for s in "${selected[@]}"; do
  [[ " ${ALL_STEPS[*]} " == *" $s "* ]] || { echo "gpu_check.sh: unknown step '$s' (steps: ${ALL_STEPS[*]})" >&2; exit 2; }
done
mkdir -p "$OUT" "$WORK"
use_fetched_deps
find_cudnn
for step in "${selected[@]}"; do
  echo "== $step"
  "$step"
done
echo "gpu_check.sh: all steps passed (${selected[*]}); logs and table in $OUT"
