#!/usr/bin/env bash
# The benchmark suite: ganforge's Google Benchmark programs against PyTorch
# (and OpenBLAS for GEMM), timed close together, in one table.
#   bash scripts/bench.sh                  (ROUNDS=3 by default)
#   ROUNDS=5 bash scripts/bench.sh --benchmark_filter='gemm|model'
# Extra arguments go to every benchmark program (a --benchmark_filter also
# selects the PyTorch benchmarks of the same names).
#
# The machine switches between fast and slow modes every few minutes, so each
# round runs every ganforge benchmark followed at once by the PyTorch benchmark
# of the same name (seconds apart), and report.py takes ratios within a round.
# Results: build-bench/bench-results/round-N/; table: build-bench/bench_table.md.
source "$(dirname "$0")/common.sh"
GF_BUILD="${GF_BENCH_BUILD:-$GF_ROOT/build-bench}"
ROUNDS="${ROUNDS:-3}"

# The peers: Debian's PyTorch (its interpreter is /usr/bin/python3), OpenBLAS
# (the OpenMP build is the one PyTorch runs best with), GNU time for peak RSS.
GF_PACKAGES+=(python3-torch libopenblas-dev libopenblas0-openmp time)
gf_install_packages
gf_configure_and_build -DGF_BUILD_BENCHMARKS=ON -DGF_BUILD_TESTS=OFF -DGF_BUILD_EXAMPLES=OFF $(gf_cuda_flags)

# Both sides use OpenBLAS's OpenMP build with the right kernels: OpenBLAS
# misdetects this virtual CPU ("Prescott", SSE only) unless told.
export OPENBLAS_CORETYPE=SkylakeX
export LD_LIBRARY_PATH="/usr/lib/x86_64-linux-gnu/openblas-openmp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
PY=/usr/bin/python3
PEER_DIR="$GF_ROOT/benchmarks/pytorch"
PEER_SCRIPTS=(kernels models style_net)
RESULTS="$GF_BUILD/bench-results"
rm -rf "$RESULTS" && mkdir -p "$RESULTS"
PROGRAMS=("$GF_BUILD"/benchmarks/bench_*)
[ -x "${PROGRAMS[0]}" ] || { echo "no benchmark programs in $GF_BUILD/benchmarks" >&2; exit 1; }

# Which PyTorch script holds which benchmark name.
declare -A PEER_SCRIPT_OF
for script in "${PEER_SCRIPTS[@]}"; do
  for name in $("$PY" "$PEER_DIR/$script.py" --list); do PEER_SCRIPT_OF[$name]=$script; done
done

# Benchmark names of one program (as PyTorch names them: no /real_time suffix).
program_names() {
  "$1" --benchmark_list_tests "${@:2}" 2>/dev/null | sed 's#/real_time$##'
}

# Runs the PyTorch benchmarks among the given names, one call per script.
#   run_peers OUT_PREFIX NAME...
run_peers() {
  local prefix=$1 script name names
  shift
  for script in "${PEER_SCRIPTS[@]}"; do
    names=()
    for name in "$@"; do
      if [ "${PEER_SCRIPT_OF[$name]:-}" = "$script" ]; then names+=("$name"); fi
    done
    if [ ${#names[@]} -gt 0 ]; then
      "$PY" "$PEER_DIR/$script.py" --only "$(IFS=,; echo "${names[*]}")" >"$prefix-$script.jsonl"
    fi
  done
}

# PyTorch benchmarks with no ganforge program of the same name still run, once
# per round, at its end (their rows show "-" for ganforge). A filter argument
# restricts them as it restricts the programs.
covered=()
for program in "${PROGRAMS[@]}"; do covered+=($(program_names "$program")); done
filter=$(printf '%s\n' "$@" | sed -n 's/^--benchmark_filter=//p' | tail -1)
peer_only=()
for name in "${!PEER_SCRIPT_OF[@]}"; do
  if [[ " ${covered[*]} " == *" $name "* ]]; then continue; fi
  if [ -n "$filter" ] && ! grep -Eq -- "$filter" <<<"$name"; then continue; fi
  peer_only+=("$name")
done

for round in $(seq 1 "$ROUNDS"); do
  dir="$RESULTS/round-$round"
  mkdir -p "$dir"
  for program in "${PROGRAMS[@]}"; do
    names=($(program_names "$program" "$@"))
    if [ ${#names[@]} -eq 0 ]; then continue; fi
    echo "== round $round/$ROUNDS: $(basename "$program") (${#names[@]} benchmarks), each followed by its PyTorch peer"
    for name in "${names[@]}"; do
      file="$dir/${name//\//_}"
      "$program" "$@" --benchmark_filter="^$name(/real_time)?\$" \
        --benchmark_out="$file.json" --benchmark_out_format=json >"$file.log" 2>&1
      run_peers "$file-pytorch" "$name"
    done
  done
  if [ ${#peer_only[@]} -gt 0 ]; then
    echo "== round $round/$ROUNDS: PyTorch only (${#peer_only[@]} benchmarks)"
    run_peers "$dir/pytorch-only" "${peer_only[@]}"
  fi
done

# Peak resident memory of a DCGAN-28 training run, each side running that
# benchmark alone in a fresh process (GNU time's %M, in KiB).
RSS_NAME=model/dcgan28_train_step_b64
for program in "${PROGRAMS[@]}"; do
  if grep -qx "$RSS_NAME" <<<"$(program_names "$program")"; then
    echo "== peak RSS: $RSS_NAME, ganforge then PyTorch"
    /usr/bin/time -f %M -o "$RESULTS/rss-ganforge.txt" \
      "$program" --benchmark_filter="^$RSS_NAME(/real_time)?\$" >/dev/null 2>&1
    /usr/bin/time -f %M -o "$RESULTS/rss-pytorch.txt" \
      "$PY" "$PEER_DIR/models.py" --only "$RSS_NAME" >/dev/null
    printf '{"benchmark": "%s", "ganforge_kb": %d, "pytorch_kb": %d}\n' "$RSS_NAME" \
      "$(tail -1 "$RESULTS/rss-ganforge.txt")" "$(tail -1 "$RESULTS/rss-pytorch.txt")" >"$RESULTS/rss.json"
    break
  fi
done

echo
"$PY" "$GF_ROOT/benchmarks/report.py" "$RESULTS" --out "$GF_BUILD/bench_table.md"
echo "(table written to $GF_BUILD/bench_table.md)"
