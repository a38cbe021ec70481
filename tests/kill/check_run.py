#!/usr/bin/env python3
"""Checks what a killed dcgan_train left in OUT, independently of ganforge's
own readers, and prints "CHECKPOINT_STEP ROWS TORN" (CHECKPOINT_STEP is -
before the first checkpoint; TORN is 1 when the last row was cut by the kill).

- checkpoint.safetensors, when there, is whole: its header is JSON, the tensor
  data fills the file exactly, and its "step" tensor holds one int64.
- metrics.csv is whole: the expected header, then rows of 10 numbers for the
  steps 1, 2, ..., ROWS with no gap, repeat or disorder, at least up to the
  checkpoint's step (the run writes a row before any checkpoint that covers it);
  only a last row without its newline may be torn.

Exits 1 with the reason on the first failure.

    python3 tests/kill/check_run.py OUT
"""
import json
import os
import struct
import sys

HEADER = "step,epoch,loss_d,loss_g,d_real,d_fake,grad_norm_d,grad_norm_g,penalty,images_per_s"
COLUMNS = HEADER.count(",") + 1


def fail(message):
    print(f"check_run: {message}", file=sys.stderr)
    sys.exit(1)


def checkpoint_step(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        fail(f"{path}: {len(data)} bytes, shorter than the header length")
    (header_len,) = struct.unpack("<Q", data[:8])
    try:
        header = json.loads(data[8:8 + header_len])
    except ValueError as e:
        fail(f"{path}: header is not JSON ({e})")
    tensors = {name: t for name, t in header.items() if name != "__metadata__"}
    end = max(t["data_offsets"][1] for t in tensors.values())
    if 8 + header_len + end != len(data):
        fail(f"{path}: {len(data)} bytes, the header describes {8 + header_len + end}")
    step = tensors.get("step")
    if step is None or step["dtype"] != "I64":
        fail(f"{path}: no int64 'step' tensor")
    start = 8 + header_len + step["data_offsets"][0]
    return struct.unpack("<q", data[start:start + 8])[0]


def metrics_rows(path):
    """The number of whole rows, and whether a torn row follows them."""
    with open(path, "rb") as f:
        text = f.read().decode("ascii", errors="replace")
    lines = text.split("\n")
    torn = lines.pop() != ""  # the text after the last newline: empty unless a row was cut
    if not lines or lines[0] != HEADER:
        fail(f"{path}: header is {lines[:1]}, expected {HEADER!r}")
    for expected_step, line in enumerate(lines[1:], start=1):
        fields = line.split(",")
        try:
            numbers = [float(x) for x in fields]
        except ValueError:
            fail(f"{path}: row {expected_step} does not parse: {line!r}")
        if len(numbers) != COLUMNS or fields[0] != str(expected_step):
            fail(f"{path}: row {expected_step} is {line!r}, expected {COLUMNS} numbers for step {expected_step}")
    return len(lines) - 1, torn


def main():
    out = sys.argv[1]
    checkpoint = os.path.join(out, "checkpoint.safetensors")
    step = checkpoint_step(checkpoint) if os.path.exists(checkpoint) else None
    metrics = os.path.join(out, "metrics.csv")
    rows, torn = metrics_rows(metrics) if os.path.exists(metrics) else (0, False)
    if step is not None and rows < step:
        fail(f"{metrics}: {rows} rows, but the checkpoint is at step {step}: rows were lost")
    print("-" if step is None else step, rows, int(torn))


if __name__ == "__main__":
    main()
