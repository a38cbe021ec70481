# Shared by scripts/main.sh and scripts/test.sh: install what is missing,
# then configure and build. Sourced, not run.
set -euo pipefail

GF_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GF_BUILD="${GF_BUILD:-$GF_ROOT/build}"

# Debian packages the build, tests and main job need (Open MPI: --distributed
# and its tests under mpirun).
GF_PACKAGES=(build-essential cmake pkg-config libstb-dev doctest-dev nlohmann-json3-dev zlib1g-dev
             libcli11-dev libbenchmark-dev libpng-dev libjpeg62-turbo-dev libcpp-httplib-dev
             dataset-fashion-mnist python3-numpy libopenmpi-dev openmpi-bin)

gf_install_packages() {
  local missing=()
  for p in "${GF_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local line="apt-get update && apt-get install -y ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "ganforge needs these Debian packages: ${missing[*]}" >&2
    echo "Run as root:  $line" >&2
    exit 1
  fi
  echo "== installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# CMake flags for CUDA: with a GPU, built for that GPU only. Without one, not
# built at all (kernels for four architectures cost minutes of nvcc and would
# run nowhere), except with $1 = "compile-anyway" (the test command): one
# architecture, sm_90, so the CUDA code keeps compiling. Words, unquoted.
gf_cuda_flags() {
  if nvidia-smi -L >/dev/null 2>&1; then
    echo "-DGF_CUDA=AUTO -DCMAKE_CUDA_ARCHITECTURES=native"
  elif [ "${1:-}" = "compile-anyway" ]; then
    echo "-DGF_CUDA=AUTO -DCMAKE_CUDA_ARCHITECTURES=90"
  else
    echo "-DGF_CUDA=OFF"
  fi
}

gf_configure_and_build() {
  # The CUDA toolkit, when present, lives here on Debian/NVIDIA installs.
  [ -d /usr/local/cuda/bin ] && export PATH="$PATH:/usr/local/cuda/bin"
  # Show what the build found (CUDA, cuDNN, OpenMP, native tuning) and nothing else.
  cmake -S "$GF_ROOT" -B "$GF_BUILD" -DCMAKE_BUILD_TYPE=Release "$@" | { grep -E "^-- ganforge" || true; }
  cmake --build "$GF_BUILD" -j"$(nproc)"
}
