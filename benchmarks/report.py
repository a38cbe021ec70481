"""Pairs ganforge's benchmark results with its peers' and prints one table.

  /usr/bin/python3 benchmarks/report.py RESULTS_DIR [--out TABLE.md]

RESULTS_DIR (written by scripts/bench.sh) holds one folder per round, round-1,
round-2, ..., each with
  *.json   Google Benchmark output of ganforge's programs (--benchmark_format=json);
           names ending in "/real_time" are the same benchmark without it;
           names "openblas/<suffix>" are the OpenBLAS peer of "gemm/<suffix>";
  *.jsonl  the PyTorch peer: one {"config": ...} line, then {"name", "ms",
           "gflop" | "gb", "images_per_s"} lines (work per iteration);
and optionally rss.json: {"benchmark", "ganforge_kb", "pytorch_kb"}, the peak
resident memory of each side running that benchmark alone.

The machine switches between fast and slow modes every few minutes, so a ratio
is only taken between results of the same round; the table shows the median of
the per-round ratios ganforge time / peer time (below 1: ganforge is faster)
and their range. Any benchmark missing on one side shows "-".
"""

import argparse
import datetime
import glob
import json
import os
import platform
import re
import statistics
import sys

_UNIT_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
_RUN_SUFFIX = re.compile(r"/(real_time|process_time|manual_time|min_time:[^/]+|repeats:\d+)$")


class Result:
    """One benchmark of one side in one round: time and throughput."""

    def __init__(self, ms, rate=None, rate_unit=None, peak_frac=None):
        self.ms = ms
        self.rate = rate            # GFLOP/s, GB/s or images/s
        self.rate_unit = rate_unit
        self.peak_frac = peak_frac


def base_name(name):
    while True:
        stripped = _RUN_SUFFIX.sub("", name)
        if stripped == name:
            return name
        name = stripped


def google_benchmark_rate(entry):
    """Throughput from a Google Benchmark entry's counters (rates per second)."""
    lowered = {key.lower(): value for key, value in entry.items() if isinstance(value, (int, float))}
    for key, value in lowered.items():
        if "gflop" in key:
            return value, "GFLOP/s"
    for key, value in lowered.items():
        if key in ("gb", "gb/s", "gbps", "gb_per_s", "gbytes"):
            return value, "GB/s"
    if "bytes_per_second" in lowered:
        return lowered["bytes_per_second"] / 1e9, "GB/s"
    for key in ("images", "images_per_s", "images/s", "img/s", "items_per_second"):
        if key in lowered:
            return lowered[key], "img/s"
    return None, None


def read_google_benchmark(path):
    """{name: Result} from one Google Benchmark JSON file; medians over repetitions."""
    with open(path) as f:
        data = json.load(f)
    groups = {}
    for entry in data.get("benchmarks", []):
        if entry.get("error_occurred"):
            continue
        is_aggregate = entry.get("run_type") == "aggregate"
        if is_aggregate and entry.get("aggregate_name") != "median":
            continue
        name = base_name(entry.get("run_name", entry["name"]))
        ms = entry["real_time"] * _UNIT_MS[entry.get("time_unit", "ns")]
        rate, unit = google_benchmark_rate(entry)
        result = Result(ms, rate, unit, entry.get("peak_frac"))
        groups.setdefault(name, {"aggregate": [], "iteration": []})
        groups[name]["aggregate" if is_aggregate else "iteration"].append(result)
    results = {}
    for name, group in groups.items():
        runs = group["aggregate"] or group["iteration"]
        results[name] = median_result(runs)
    return results, data.get("context", {})


def read_pytorch(path):
    """{name: Result} and the configuration line from one PyTorch JSON-lines file."""
    results, config = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            record = json.loads(line)
            if "config" in record:
                config = record["config"]
                continue
            ms = record["ms"]
            if "gflop" in record:
                rate, unit = record["gflop"] / (ms / 1e3), "GFLOP/s"
            elif "gb" in record:
                rate, unit = record["gb"] / (ms / 1e3), "GB/s"
            elif "images_per_s" in record:
                rate, unit = record["images_per_s"], "img/s"
            else:
                rate, unit = None, None
            results[record["name"]] = Result(ms, rate, unit)
    return results, config


def median_result(results):
    def median_of(values):
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None
    return Result(median_of(r.ms for r in results), median_of(r.rate for r in results),
                  results[0].rate_unit, median_of(r.peak_frac for r in results))


def read_rounds(results_dir):
    """[{"ours": {...}, "pytorch": {...}, "openblas": {...}}] per round, plus metadata."""
    rounds, contexts, configs = [], [], []
    round_dirs = sorted(glob.glob(os.path.join(results_dir, "round-*")),
                        key=lambda d: int(re.sub(r"\D", "", os.path.basename(d)) or 0))
    for round_dir in round_dirs:
        sides = {"ours": {}, "pytorch": {}, "openblas": {}}
        for path in sorted(glob.glob(os.path.join(round_dir, "*.json"))):
            try:
                results, context = read_google_benchmark(path)
            except (ValueError, KeyError) as error:
                print(f"report.py: skipping {path}: {error}", file=sys.stderr)
                continue
            contexts.append(context)
            for name, result in results.items():
                side = "openblas" if name.startswith("openblas/") else "ours"
                sides[side][name] = result
        for path in sorted(glob.glob(os.path.join(round_dir, "*.jsonl"))):
            results, config = read_pytorch(path)
            if config:
                configs.append(config)
            for name, result in results.items():
                side = "openblas" if name.startswith("openblas/") else "pytorch"
                sides[side][name] = result
        rounds.append(sides)
    return rounds, contexts, configs


# Rows in this order of families, then by name with numbers compared as numbers.
_FAMILIES = ["gemm/", "conv2d_", "convT_", "batchnorm_", "leaky_relu", "adam/", "model/", "openblas/"]


def row_order(name):
    family = next((i for i, prefix in enumerate(_FAMILIES) if name.startswith(prefix)), len(_FAMILIES))
    return family, [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name)]


def openblas_name(name, openblas_names):
    """The OpenBLAS peer of a GEMM row: openblas/<suffix> (or openblas/<name>)."""
    if not name.startswith("gemm/"):
        return None
    for candidate in ("openblas/" + name.split("/", 1)[1], "openblas/" + name):
        if candidate in openblas_names:
            return candidate
    return None


def across_rounds(rounds, side, name):
    return [r[side][name] for r in rounds if name in r[side]]


def ratio_cell(rounds, ours_name, side, peer_name):
    """Median of the per-round ratios ours / peer with their range, or "-"."""
    ratios = [r["ours"][ours_name].ms / r[side][peer_name].ms for r in rounds
              if ours_name in r["ours"] and peer_name in r[side] and r[side][peer_name].ms]
    if not ratios:
        return "-"
    if len(ratios) == 1:
        return f"{ratios[0]:.2f}"
    return f"**{statistics.median(ratios):.2f}** ({min(ratios):.2f}-{max(ratios):.2f})"


def time_cell(results):
    if not results:
        return "-"
    ms = statistics.median(r.ms for r in results)
    return f"{ms:.3g} ms" if ms < 100 else f"{ms:.0f} ms"


def rate_cell(results):
    rates = [r.rate for r in results if r.rate is not None]
    if not rates:
        return "-"
    rate = statistics.median(rates)
    return f"{rate:.3g} {results[0].rate_unit}" if rate < 1000 else f"{rate:.0f} {results[0].rate_unit}"


def peak_cell(results):
    fracs = [r.peak_frac for r in results if r.peak_frac is not None]
    return f"{100 * statistics.median(fracs):.0f}%" if fracs else "-"


def rss_row(results_dir):
    path = os.path.join(results_dir, "rss.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        rss = json.load(f)
    ours, peer = rss.get("ganforge_kb"), rss.get("pytorch_kb")
    mib = lambda kb: f"{kb / 1024:.0f} MiB" if kb else "-"  # noqa: E731
    ratio = f"{ours / peer:.2f}" if ours and peer else "-"
    return [f"peak RSS, {rss.get('benchmark', '?')} alone", mib(ours), "", "", mib(peer), "", ratio, "", ""]


def machine_line(contexts):
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    cores = os.cpu_count()
    mhz = contexts[0].get("mhz_per_cpu") if contexts else None
    parts = [f"{platform.node()}: {cpu}, {cores} cores" + (f" at {mhz} MHz" if mhz else "")]
    peak = contexts[0].get("fp32_peak_gflops") if contexts else None
    if peak:
        how = contexts[0].get("fp32_peak_formula", "")
        parts.append(f"FP32 peak {float(peak):.0f} GFLOP/s" + (f" = {how}" if how else ""))
    return "; ".join(parts)


def table(results_dir):
    rounds, contexts, configs = read_rounds(results_dir)
    if not rounds:
        sys.exit(f"report.py: no round-* folders in {results_dir}")
    names = []
    for r in rounds:
        for side in ("ours", "pytorch"):
            names += [n for n in r[side] if n not in names]
    openblas_names = {n for r in rounds for n in r["openblas"]}
    paired_openblas = {openblas_name(n, openblas_names) for n in names} - {None}
    names = sorted(names + list(openblas_names - paired_openblas), key=row_order)

    header = ["benchmark", "ganforge", "ganforge rate", "FP32 peak", "PyTorch", "PyTorch rate",
              "ganforge / PyTorch time", "OpenBLAS", "ganforge / OpenBLAS time"]
    rows = []
    for name in names:
        ours = across_rounds(rounds, "ours", name)
        torch_side = across_rounds(rounds, "pytorch", name)
        blas_name = openblas_name(name, openblas_names)
        blas = across_rounds(rounds, "openblas", blas_name) if blas_name else []
        if name.startswith("openblas/"):  # an OpenBLAS result without a ganforge GEMM row
            blas, blas_name = across_rounds(rounds, "openblas", name), name
        rows.append([f"`{name}`", time_cell(ours), rate_cell(ours), peak_cell(ours),
                     time_cell(torch_side), rate_cell(torch_side), ratio_cell(rounds, name, "pytorch", name),
                     time_cell(blas), ratio_cell(rounds, name, "openblas", blas_name) if blas_name else "-"])
    rss = rss_row(results_dir)
    if rss:
        rows.append(rss)

    lines = [f"Benchmarks of {datetime.date.today().isoformat()}, {len(rounds)} round(s); "
             f"machine {machine_line(contexts)}.", ""]
    if configs:
        c = configs[0]
        lines.append(f"PyTorch peer: torch {c.get('torch')}, {c.get('threads')} threads, "
                     f"oneDNN {'on' if c.get('mkldnn') else 'off'}, BLAS {c.get('blas')}, "
                     f"OPENBLAS_CORETYPE={c.get('OPENBLAS_CORETYPE') or '(unset)'}.")
        if any(other != c for other in configs):
            lines.append("WARNING: the PyTorch configuration differed between runs: "
                         + "; ".join(sorted({json.dumps(o, sort_keys=True) for o in configs})))
        lines.append("")
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += ["", "Times are medians over rounds; a ratio is the median of the per-round ratios "
              "(range in brackets), below 1 when ganforge is faster. \"FP32 peak\" is the fraction of "
              "the machine's FP32 peak stated above that ganforge's benchmark reports (counter peak_frac)."]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results_dir")
    parser.add_argument("--out", help="also write the table (Markdown) to this file")
    args = parser.parse_args()
    text = table(args.results_dir)
    print(text, end="")
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
