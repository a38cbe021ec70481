#!/usr/bin/env python3
"""The paper model of data-parallel scaling in docs/distributed.md.

One step on p nodes (weak scaling: each node keeps its batch) costs
    step = compute + max(0, all-reduce - overlap)
Gradient buckets go as ring all-reduces: each node sends and receives
2 (p - 1) / p * S bytes in 2 (p - 1) latency-bound steps. Small collectives
(synchronised batch-norm sums, averaged losses) go by recursive doubling:
2 log2 p message latencies each. Prints a Markdown table for 10/25/100 Gb/s.

    python3 scripts/scaling_model.py --bytes 7.68e6 --compute-ms 116
"""
import argparse
import math


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bytes", type=float, required=True, help="gradient bytes all-reduced per step")
    ap.add_argument("--compute-ms", type=float, required=True, help="compute per step and node, ms")
    ap.add_argument("--overlap-ms", type=float, default=0.0, help="backward time the all-reduce can hide behind")
    ap.add_argument("--buckets", type=int, default=2, help="gradient all-reduces per step")
    ap.add_argument("--small", type=int, default=12, help="small collectives per step (sync BN, losses)")
    ap.add_argument("--latency-us", type=float, default=30.0, help="latency of one message")
    a = ap.parse_args()
    compute, overlap, alpha = a.compute_ms / 1e3, a.overlap_ms / 1e3, a.latency_us / 1e6
    print("| nodes | 10 Gb/s: all-reduce / step / efficiency | 25 Gb/s | 100 Gb/s |")
    print("|---|---|---|---|")
    for p in (2, 4, 8, 16, 32, 64):
        cells = []
        for gbit in (10, 25, 100):
            bandwidth = gbit * 1e9 / 8  # bytes/s
            allreduce = (2 * (p - 1) / p * a.bytes / bandwidth + a.buckets * 2 * (p - 1) * alpha
                         + a.small * 2 * math.log2(p) * alpha)
            step = compute + max(0.0, allreduce - overlap)
            cells.append(f"{allreduce * 1e3:.1f} ms / {step * 1e3:.0f} ms / {compute / step * 100:.0f}%")
        print(f"| {p} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
