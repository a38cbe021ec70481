"""The table and curves of the time-to-quality study (scripts/time_to_quality.sh).

Each run's fid.csv gives FID against training steps; runs/ttq/step_ms.csv gives
each candidate's milliseconds per step, measured with the default two threads
on a quiet machine (pooled over candidates that do the same work). Minutes of
training = step x ms per step / 60000: what the run would have taken alone on
that machine, whatever else ran beside it.

FID between two measurements is interpolated linearly in log FID against
minutes (FID falls roughly exponentially early on); no value is extrapolated
past a run's last measurement.

    /usr/bin/python3 scripts/time_to_quality.py [--runs runs/ttq] [--svg docs/images/dcgan28_time_to_quality.svg]
"""
import argparse
import csv
import math
import statistics
from pathlib import Path

THREE_EPOCHS = 3 * (60000 // 64)  # the default's steps in three epochs (batch 64, the last partial batch dropped)


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def step_ms(runs):
    """Each candidate's ms per step: the median over the calibration rounds of
    every candidate that does the same work (the same flags apart from learning
    rates and decays), so the VM's noise between identical steps, up to 14%,
    does not pass for a difference between them."""
    rows = read_rows(runs / "step_ms.csv")
    by_work = {}
    for row in rows:
        by_work.setdefault(row["work"], []).append(float(row["ms_per_step"]))
    return {row["candidate"]: statistics.median(by_work[row["work"]]) for row in rows}


def curve(fid_csv, ms, column="fid"):
    """[(minutes, fid)] of one run."""
    return [(int(r["step"]) * ms / 60000.0, float(r[column])) for r in read_rows(fid_csv)]


def at(points, minutes):
    """FID at `minutes` by log-linear interpolation; None outside the measured range."""
    for (m0, f0), (m1, f1) in zip(points, points[1:]):
        if m0 <= minutes <= m1:
            w = (minutes - m0) / (m1 - m0)
            return math.exp((1 - w) * math.log(f0) + w * math.log(f1))
    return None


def minutes_to(points, target):
    """First time the interpolated FID reaches `target`; None if it never does."""
    for (m0, f0), (m1, f1) in zip(points, points[1:]):
        if f0 > target >= f1:
            w = (math.log(target) - math.log(f0)) / (math.log(f1) - math.log(f0))
            return m0 + w * (m1 - m0)
    return None


def mean_sd(values):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"{statistics.mean(values):.1f} ± {statistics.stdev(values):.1f}"


def svg_chart(series, path, x_max):
    """FID (log scale) against minutes, one polyline per candidate (the mean of its seeds' log FID)."""
    width, height, left, right, top, bottom = 760, 460, 70, 170, 30, 50
    y_lo, y_hi = 20.0, 800.0
    x = lambda m: left + (width - left - right) * m / x_max
    y = lambda f: top + (height - top - bottom) * (math.log(y_hi) - math.log(min(max(f, y_lo), y_hi))) / (
        math.log(y_hi) - math.log(y_lo))
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f",
               "#bcbd22", "#000000", "#aec7e8"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
           f'font-size="12"><rect width="100%" height="100%" fill="white"/>',
           f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14">DCGAN-28 on Fashion-MNIST: FID against '
           f'minutes of training</text>']
    for f in (20, 30, 50, 100, 200, 400, 800):
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(f):.1f}" y2="{y(f):.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 6}" y="{y(f) + 4:.1f}" text-anchor="end">{f}</text>')
    for m in range(0, int(x_max) + 1):
        out.append(f'<line x1="{x(m):.1f}" x2="{x(m):.1f}" y1="{top}" y2="{height - bottom}" stroke="#eee"/>'
                   f'<text x="{x(m):.1f}" y="{height - bottom + 16}" text-anchor="middle">{m}</text>')
    out.append(f'<text x="{(left + width - right) / 2}" y="{height - 12}" text-anchor="middle">minutes of training '
               f'(2 threads, quiet machine)</text>')
    out.append(f'<text x="16" y="{(top + height - bottom) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 16 {(top + height - bottom) / 2})">FID (log scale)</text>')
    for i, (name, points) in enumerate(series):
        colour = colours[i % len(colours)]
        shown = [(m, f) for m, f in points if m <= x_max]
        if at(points, x_max) is not None and shown[-1][0] < x_max:  # a run that goes on: cut at the edge
            shown.append((x_max, at(points, x_max)))
        coords = " ".join(f"{x(m):.1f},{y(f):.1f}" for m, f in shown)
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}"/>')
        out.append(f'<line x1="{width - right + 10}" x2="{width - right + 30}" y1="{top + 10 + 18 * i}" '
                   f'y2="{top + 10 + 18 * i}" stroke="{colour}" stroke-width="2"/>'
                   f'<text x="{width - right + 36}" y="{top + 14 + 18 * i}">{name}</text>')
    out.append("</svg>")
    Path(path).write_text("\n".join(out) + "\n")


def mean_curve(curves):
    """Mean log FID at the measurement times of the longest run, over the seeds that reach each time."""
    points = []
    for m, _ in max(curves, key=len):
        values = [v for v in (at(c, m) if m > c[0][0] else c[0][1] for c in curves) if v is not None]
        points.append((m, math.exp(statistics.mean(math.log(v) for v in values))))
    return points


def seeds_cell(values):
    """mean_sd of the seeds that have a value, saying how many when some have none."""
    got = sum(v is not None for v in values)
    return mean_sd(values) + ("" if got in (0, len(values)) else f" ({got} of {len(values)} seeds)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=Path, default=Path("runs/ttq"))
    parser.add_argument("--svg", type=Path, default=Path("docs/images/dcgan28_time_to_quality.svg"))
    parser.add_argument("--horizon", type=float, default=10.0, help="minutes of the last column")
    args = parser.parse_args()

    ms = step_ms(args.runs)
    runs = {name: sorted((args.runs / name).glob("seed*/fid.csv")) for name in ms}
    runs = {name: files for name, files in runs.items() if files}
    default = [curve(f, ms["default"]) for f in runs["default"]]
    target_minutes = THREE_EPOCHS * ms["default"] / 60000.0
    reached_target = [v for v in (at(c, target_minutes) for c in default) if v is not None]
    if not reached_target:
        raise SystemExit(f"no default run has reached three epochs ({THREE_EPOCHS} steps) yet")
    target = math.exp(statistics.mean(math.log(v) for v in reached_target))
    print(f"target: the default's FID after three epochs ({THREE_EPOCHS} steps, {target_minutes:.2f} min): "
          f"{target:.1f}\n")
    # The target's two halves (its FID in half its time, a lower FID at the
    # horizon), and the longest time every run covers (the screening runs'
    # common length), where all candidates compare.
    all_curves = {name: [curve(f, ms[name]) for f in files] for name, files in runs.items()}
    common = min(c[-1][0] for curves in all_curves.values() for c in curves)
    at_minutes = [target_minutes / 2, common, args.horizon]
    header = ["candidate", "ms/step", "seeds"] + [f"FID at {m:.2f} min" for m in at_minutes] + [
        f"min to FID {target:.1f}", f"without EMA at {common:.2f} min"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    series = []
    for name, files in runs.items():
        curves = all_curves[name]
        raw = [curve(f, ms[name], "fid_raw") for f in files]
        cells = [name, f"{ms[name]:.0f}", str(len(files))]
        cells += [seeds_cell([at(c, m) for c in curves]) for m in at_minutes]
        reached = [minutes_to(c, target) for c in curves]
        cells.append(seeds_cell(reached) if any(r is not None for r in reached) else "not reached")
        cells.append(seeds_cell([at(c, common) for c in raw]))
        print("| " + " | ".join(cells) + " |")
        series.append((name, mean_curve(curves)))
    svg_chart(series, args.svg, args.horizon)
    print(f"\ncurves: {args.svg}")


if __name__ == "__main__":
    main()
