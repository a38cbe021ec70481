#!/usr/bin/env bash
# The time-to-quality study of docs/dcgan.md section 9: FID against minutes of
# training for DCGAN-28 on Fashion-MNIST under the default settings and under
# candidate defaults. Two steps, because a shared or busy machine cannot time
# long runs fairly but can count their steps:
#
#   bash scripts/time_to_quality.sh train IMAGES SEED CANDIDATE...
#       trains each candidate (with this seed) until it has seen IMAGES training
#       images, two runs at a time with one thread each, FID of 10,000 samples
#       about ten times on the way (dcgan_train --fid-every: runs/ttq/NAME/seedS/fid.csv).
#       A run that exists already continues from its checkpoint (exact resume),
#       so a larger IMAGES extends it.
#   bash scripts/time_to_quality.sh calibrate ROUNDS CANDIDATE...
#       the milliseconds of one training step of each candidate with the default
#       two threads (dcgan_train --profile 30), candidates interleaved within each
#       round, on a machine with nothing else running: runs/ttq/step_ms.csv,
#       with each candidate's work (its flags less learning rates and the
#       moving average's decay, which change no arithmetic).
#   /usr/bin/python3 scripts/time_to_quality.py
#       step x calibrated ms/step = minutes; the table and the curves.
#
# Needs build/examples/dcgan_train (GF_BUILD to use another build) and the FID
# classifier of scripts/main.sh.
set -euo pipefail
GF_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
GF_BUILD="${GF_BUILD:-$GF_ROOT/build}"
TRAIN="$GF_BUILD/examples/dcgan_train"
OUT="$GF_ROOT/runs/ttq"
export OMP_WAIT_POLICY=passive

# The candidates, each spelt out in full (the defaults changed with this
# study's result): the defaults before it (batch 64, Adam lr 2e-4 with betas
# (0.5, 0.999), non-saturating loss, moving average of G with decay 0.999) and
# one or two changes to them. Every run also logs FID without the moving
# average (fid.csv's fid_raw).
flags_of() {
  case "$1" in
    default)        echo "--batch-size 64 --lr 2e-4" ;;
    ttur)           echo "--batch-size 64 --lr-d 4e-4 --lr-g 1e-4" ;;
    lr4e-4)         echo "--batch-size 64 --lr 4e-4" ;;
    lr8e-4)         echo "--batch-size 64 --lr 8e-4" ;;
    batch32)        echo "--batch-size 32 --lr 2e-4" ;;
    batch32-lr4e-4) echo "--batch-size 32 --lr 4e-4" ;;
    batch32-lr8e-4) echo "--batch-size 32 --lr 8e-4" ;;
    batch32-lr4e-4-ema0.995) echo "--batch-size 32 --lr 4e-4 --ema-decay 0.995" ;;
    batch16-lr4e-4) echo "--batch-size 16 --lr 4e-4" ;;
    hinge-sn)       echo "--batch-size 64 --lr 2e-4 --loss hinge --spectral-norm" ;;
    r1)             echo "--batch-size 64 --lr 2e-4 --r1 1 --r1-every 4" ;;
    diffaugment)    echo "--batch-size 64 --lr 2e-4 --diff-augment translation,cutout" ;;
    *) echo "time_to_quality.sh: unknown candidate '$1'" >&2; exit 1 ;;
  esac
}

# The flags that decide how much arithmetic a step does: rates and decays do not.
work_of() { flags_of "$1" | sed -E 's/--(lr|lr-g|lr-d|ema-decay) [^ ]+ ?//g; s/ $//'; }

batch_of() {
  local flags; flags="$(flags_of "$1")"
  [[ "$flags" =~ --batch-size\ ([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}

train_one() {  # NAME SEED STEPS
  local name="$1" seed="$2" steps="$3" dir="$OUT/$1/seed$2"
  local every=$(( (steps + 9) / 10 ))
  local start="--overwrite"
  [ -f "$dir/checkpoint.safetensors" ] && start="--resume $dir/checkpoint.safetensors"
  mkdir -p "$dir"
  # shellcheck disable=SC2046  # the flags are words
  "$TRAIN" --steps "$steps" --seed "$seed" --threads 1 --fid-every "$every" --fid-samples 10000 \
    --out "$dir" $start $(flags_of "$name") >"$dir/train.log" 2>"$dir/progress.log" \
    && echo "done: $name seed $seed ($steps steps)" || echo "FAILED: $name seed $seed (see $dir/train.log)"
}

case "${1:-}" in
  train)
    images="$2" seed="$3"; shift 3
    for name in "$@"; do
      train_one "$name" "$seed" $(( images / $(batch_of "$name") )) &
      while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
    done
    wait ;;
  calibrate)
    rounds="$2"; shift 2
    mkdir -p "$OUT"
    echo "candidate,round,ms_per_step,work" >"$OUT/step_ms.csv"
    for round in $(seq "$rounds"); do
      for name in "$@"; do
        # shellcheck disable=SC2046
        ms=$("$TRAIN" --profile 30 $(flags_of "$name") | sed -n 's/^whole training step: \([0-9.]*\) ms.*/\1/p')
        echo "$name,$round,$ms,$(work_of "$name")" | tee -a "$OUT/step_ms.csv"
      done
    done ;;
  *) sed -n '2,23p' "$0"; exit 1 ;;
esac
