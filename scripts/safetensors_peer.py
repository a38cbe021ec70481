#!/usr/bin/env python3
"""A second, independent safetensors implementation for ganforge's interop test.

Debian 12 packages no Python `safetensors`, so this follows the published format
(https://github.com/huggingface/safetensors) with numpy and json only:

    u64 little-endian N | N bytes of JSON header | data buffer

  write PATH   writes a reference file holding the tensors in TENSORS below,
               laid out as Python's safetensors lays them out.
  check PATH   reads a file ganforge re-saved after loading that reference file,
               checks its layout and that every value came back; prints OK.

The ganforge test (tests/test_safetensors.cpp, "Python interop") runs both.
"""
import json
import sys

import numpy as np

DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2", "I64": "<i8", "I32": "<i4", "U8": "u1", "BOOL": "u1"}


def bfloat16_bits(values):
    """bfloat16 is the upper half of a float32 (exact for these values)."""
    return (np.array(values, dtype="<f4").view("<u4") >> 16).astype("<u2")


# name -> (stored dtype, values as stored, dtype ganforge loads it as)
TENSORS = {
    "layer.weight": ("F32", np.arange(6, dtype="<f4").reshape(2, 3) * 0.5 - 1, "F32"),
    "layer.bias": ("F32", np.array([0.1, -0.2, 3.4e38], dtype="<f4"), "F32"),
    "double": ("F64", np.array([[1 / 3, -2.5], [1e300, 5e-324]], dtype="<f8"), "F64"),
    "step": ("I64", np.array(1234567890123, dtype="<i8"), "I64"),
    "labels": ("I64", np.array([-1, 0, 2**40, -(2**62)], dtype="<i8"), "I64"),
    "empty": ("F32", np.zeros((0, 3), dtype="<f4"), "F32"),
    "half": ("F16", np.array([1.0, -2.5, 65504.0, 2.0**-24, np.inf], dtype="<f2"), "F32"),
    "brain": ("BF16", bfloat16_bits([1.0, -3.5, 2.0**100]).reshape(3, 1), "F32"),
    "int32": ("I32", np.array([-(2**31), 7, 2**31 - 1], dtype="<i4"), "I64"),
    "bytes": ("U8", np.array([0, 128, 255], dtype="u1"), "I64"),
    "mask": ("BOOL", np.array([1, 0, 1], dtype="u1"), "I64"),
}
METADATA = {"source": "safetensors_peer.py", "note": "h\u00e9llo \u2713"}


def loaded_values(name):
    """The values ganforge should hold after loading TENSORS[name]."""
    stored, values, loads_as = TENSORS[name]
    if stored == "BF16":
        values = (values.astype("<u4") << 16).view("<f4")
    return values.astype(DTYPES[loads_as])


def write(path):
    # Python's safetensors stores wider dtypes first, then by name, and pads the
    # header with spaces so the data buffer starts 8-byte aligned.
    order = sorted(TENSORS, key=lambda n: (-np.dtype(DTYPES[TENSORS[n][0]]).itemsize, n))
    header = {"__metadata__": METADATA}
    chunks, offset = [], 0
    for name in order:
        stored, values, _ = TENSORS[name]
        data = np.ascontiguousarray(values, dtype=DTYPES[stored]).tobytes()
        header[name] = {"dtype": stored, "shape": list(values.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text + b"".join(chunks))


def fail(message):
    print("safetensors_peer: FAIL:", message)
    sys.exit(1)


def reject_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        fail(f"duplicate keys in header: {keys}")
    return dict(pairs)


def check(path):
    blob = open(path, "rb").read()
    n = int.from_bytes(blob[:8], "little")
    if (8 + n) % 8 != 0:
        fail(f"data buffer starts at byte {8 + n}, not 8-byte aligned")
    header = json.loads(blob[8:8 + n].decode("utf-8"), object_pairs_hook=reject_duplicates)
    data = blob[8 + n:]

    meta = header.pop("__metadata__", {})
    expected_meta = dict(METADATA, format="ganforge-safetensors", version="1")
    if meta != expected_meta:
        fail(f"metadata {meta} != {expected_meta}")
    if set(header) != set(TENSORS):
        fail(f"tensor names {sorted(header)} != {sorted(TENSORS)}")

    covered = 0
    for name, info in sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"])):
        begin, end = info["data_offsets"]
        if begin != covered:
            fail(f"'{name}' starts at {begin}, expected {covered} (hole or overlap)")
        dtype = np.dtype(DTYPES[info["dtype"]])
        if begin % dtype.itemsize != 0:
            fail(f"'{name}' at offset {begin} is not aligned to {dtype.itemsize} bytes")
        want = loaded_values(name)
        if info["dtype"] != TENSORS[name][2] or tuple(info["shape"]) != want.shape:
            fail(f"'{name}': {info['dtype']} {info['shape']}, expected {TENSORS[name][2]} {list(want.shape)}")
        got = np.frombuffer(data[begin:end], dtype=dtype).reshape(want.shape)
        if got.tobytes() != want.tobytes():
            fail(f"'{name}': values {got.ravel().tolist()} != {want.ravel().tolist()}")
        covered = end
    if covered != len(data):
        fail(f"tensors cover {covered} of {len(data)} data bytes")
    print("OK")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check"):
        sys.exit("usage: safetensors_peer.py write|check PATH")
    write(sys.argv[2]) if sys.argv[1] == "write" else check(sys.argv[2])
