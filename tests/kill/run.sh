#!/usr/bin/env bash
# The kill test: trains a tiny DCGAN (48 generated 28x28 pictures, batch 8,
# so a checkpoint every 6 steps) and SIGKILLs it at a random moment KILLS
# times (default 40), each time continuing with --resume from the checkpoint
# the killed run left (a fresh start before the first one). After every kill:
#   - the checkpoint is whole (tests/kill/check_run.py reads it on its own)
#     and loads: dcgan_sample draws from it, and the next run resumes from it
#     (a run that fails instead of being killed fails the test);
#   - metrics.csv is whole: rows for the steps 1..N, no gap, repeat or
#     garbage, at least up to the checkpoint's step; only its last row may be
#     torn (the next start drops it, and the rows the checkpoint did not see);
#   - the temporary files of earlier killed runs are gone once a run has
#     started (dcgan_train removes them before it prints its first line).
# Then one last run trains 6 more steps to the end: metrics.csv holds every
# step once and no temporary file is left. Prints a summary; fails on the
# first broken promise. 40 kills take 2-3 minutes on 2 cores.
#   bash tests/kill/run.sh [KILLS]     after a build in build/ (GF_BUILD for another)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${GF_BUILD:-$root/build}"
kills="${1:-40}"
export OMP_WAIT_POLICY=passive  # spinning OpenMP threads would slow a busy machine 10-20x

work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
out="$work/run"
python3 "$root/tests/kill/make_images.py" "$work/data" 48
train=("$build/examples/dcgan_train" --dataset folder --data "$work/data" --channels 1 --batch-size 8
       --threads 2 --fid-samples 0 --out "$out")

# Starts a run in the background: a resume when there is a checkpoint to continue.
start_run() {  # $1: total steps, $2: log file
  local resume=()
  [ -f "$out/checkpoint.safetensors" ] && resume=(--resume "$out/checkpoint.safetensors")
  "${train[@]}" --steps "$1" "${resume[@]}" > "$2" 2>&1 &
  pid=$!
}

# The temporary files in --out: none when the first run was killed before it
# made --out (find would fail there, and under pipefail end the test unsaid).
temporaries() { [ -d "$out" ] || return 0; find "$out" -maxdepth 2 -name '.*.tmp-*' | sort; }
started() { grep -q "^dcgan_train: " "$1"; }  # its first line comes after the clean-up of --out

# A random time: up to $1 whole seconds and a random fraction of one.
random_delay() { sleep "$((RANDOM % ($1 + 1))).$(printf '%03d' $((RANDOM % 1000)))"; }

loads=0 torn_rows=0 before_start=0 last="" last_step=0
for ((i = 1; i <= kills; i++)); do
  log="$work/run_$i.log"
  start_run 1000000 "$log"
  # One kill in 8 while the run starts (cleaning --out, repairing metrics.csv,
  # loading); the others 0-3 s into training, in a step or in a save (a save
  # of the 30 MB checkpoint takes about as long as 6 steps).
  if ((RANDOM % 8 == 0)); then
    random_delay 0
  else
    for _ in $(seq 600); do started "$log" || ! kill -0 "$pid" 2>/dev/null && break; sleep 0.05; done
    random_delay 2
  fi
  kill -9 "$pid" 2>/dev/null || true
  status=0
  wait "$pid" 2>/dev/null || status=$?  # (quiet: no "Killed" line from the shell)
  pid=""
  if [ "$status" -ne 137 ]; then
    echo "kill $i: dcgan_train ended by itself with exit code $status before the kill:"; cat "$log"; exit 1
  fi

  # The temporaries of the runs before this one must be gone once it started.
  if started "$log"; then
    for f in $last; do
      [ -e "$f" ] && { echo "kill $i: $f, left by an earlier run, survived the start"; exit 1; }
    done
  else
    before_start=$((before_start + 1))
  fi
  last="$(temporaries)"
  temporaries >> "$work/temporaries_seen"

  checked="$(python3 "$root/tests/kill/check_run.py" "$out")"
  read -r step rows torn <<< "$checked"
  torn_rows=$((torn_rows + torn))
  if [ "$step" != "-" ]; then
    ((step >= last_step)) || { echo "kill $i: the checkpoint went back from step $last_step to $step"; exit 1; }
    last_step=$step
    "$build/examples/dcgan_sample" --checkpoint "$out/checkpoint.safetensors" --num 1 --interpolate 0 \
      --out "$work/sample" > "$work/sample.log" 2>&1 || { echo "kill $i: dcgan_sample failed:"; cat "$work/sample.log"; exit 1; }
    loads=$((loads + 1))
  fi
  echo "kill $i: checkpoint at step $step, $rows rows$([ "$torn" = 1 ] && echo ', the last one torn')"
done

# To the end: 6 steps past the checkpoint (a fresh run if there is none).
step="$(python3 "$root/tests/kill/check_run.py" "$out" | cut -d' ' -f1)"
[ "$step" = "-" ] && step=0
final=$((step + 6))
start_run "$final" "$work/final.log"
wait "$pid" || { echo "the last run failed:"; cat "$work/final.log"; exit 1; }
pid=""
checked="$(python3 "$root/tests/kill/check_run.py" "$out")"
read -r step rows torn <<< "$checked"
[ "$step" = "$final" ] && [ "$rows" = "$final" ] && [ "$torn" = 0 ] ||
  { echo "after the last run: checkpoint at step $step, $rows rows (torn: $torn), expected $final and $final"; exit 1; }
[ -z "$(temporaries)" ] || { echo "temporary files left at the end:"; temporaries; exit 1; }

left_behind="$(sort -u "$work/temporaries_seen" | grep -c . || true)"
echo "kill test: $kills kills ($before_start before dcgan_train had started), $loads checkpoints loaded" \
     "(the others came before the first checkpoint), $torn_rows torn last rows dropped on resume," \
     "$left_behind temporary files left by kills and removed by the next start;" \
     "the last run ended at step $final with $rows rows in metrics.csv, steps 1..$final"
