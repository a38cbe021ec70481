#!/usr/bin/python3
"""The style-transfer evaluation: trains with the programs' defaults, applies
every method to photos and styles that were never used for training or
tuning, and prints the table docs/style-transfer.md shows.

  /usr/bin/python3 scripts/style_eval.py [--set heldout|dev] [--methods reinhard,network,adain,attention,optimise]
                                         [--seeds 1,2,3]

Pictures: scripts/style_eval_images.py (all from Debian packages). For each
style of the set, style_train (defaults) trains a network on train_photos and
style_apply applies it with its defaults (given the style picture with
--style, for networks trained before style_train stored it); adain_train (defaults) trains one decoder on
train_styles and adain_apply applies it to the set's styles at alpha 1, 0.5
and 0 ("attention": the same with adain_train --fusion attention); stylize
runs the per-image optimisation (default settings) and the Reinhard colour
transfer. Every result is 384 px on its longest side.

One training is one draw: with other seeds the network's figures move (its
blob share threefold, docs/style-transfer.md round 6). --seeds trains the
networks once per seed and gives each seed its own rows ("network seed 2");
compare variants over the same seeds.

Figures, both from image_metrics:
  SSIM   luminance SSIM of the result to the photo (Rec. 601 Y; 11x11
         Gaussian window, sigma 1.5, K1 0.01, K2 0.03, valid windows)
  colour the Euclidean norm of the difference of (mean R, G, B, std R, G, B)
         of the result and the style picture, values in [0, 1]
  blobs  the result's flat saturated fraction: the share of pixels whose 5x5
         window is flat (every channel within 2/255) and 0 or 1 in some
         channel (metrics::flat_saturated_fraction), in percent
  near   the same with both thresholds 8/255 (flat within 8/255, within 8/255
         of 0 or 1: metrics::kNearFlatSaturated), in percent: it also counts a
         blob lifted a few levels off the clip or given a faint texture
The bars (issue 11): network SSIM >= 0.5 and colour <= 0.06; AdaIN at alpha 1
SSIM >= 0.4 and colour <= 0.08, at alpha 0 SSIM >= 0.7.
Writes runs/style_eval/<set>/: the results, table.md, and contact sheets
(sheet_<method>.jpg: one row per photo, one column per style).
"""
import argparse
import json
import os
import subprocess
import sys
import time

from PIL import Image, ImageDraw

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIDE = 384


# OpenMP's default spin-then-sleep makes two-thread kernels 10-20x slower when
# anything else runs on the machine; sleeping at once costs little here.
ENV = dict(os.environ, OMP_WAIT_POLICY=os.environ.get("OMP_WAIT_POLICY", "passive"))


def run(args, log):
    """Runs a program, its output into `log`; returns the wall time in seconds."""
    start = time.time()
    with open(log, "w") as out:
        result = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, env=ENV)
    if result.returncode != 0:
        sys.exit(f"style_eval: {' '.join(args)} failed; see {log}")
    return time.time() - start


def metrics(bin_dir, a, b):
    """image_metrics' JSON for picture a against picture b."""
    out = subprocess.run([f"{bin_dir}/image_metrics", a, b, "--json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def blobs(measured, key="flat_saturated_fraction"):
    """The first picture's flat saturated fraction (or another of image_metrics' fractions), in %."""
    return 100 * measured[key][0]


def figures(bin_dir, result, photo, style):
    """(SSIM of the result to the photo, colour distance of the result to the style, the result's blobs and near
    blobs in %)."""
    to_photo = metrics(bin_dir, result, photo)
    return (to_photo["ssim_luminance"], metrics(bin_dir, result, style)["color_stats_distance"], blobs(to_photo),
            blobs(to_photo, "near_flat_saturated_fraction"))


def sheet(path, photos, styles, cells, title):
    """One row per photo: the photo, then its result for each style."""
    size = 192
    image = Image.new("RGB", ((len(styles) + 1) * size, (len(photos) + 1) * size + 24), "white")
    draw = ImageDraw.Draw(image)
    draw.text((4, 4), title, fill="black")
    for j, (name, style) in enumerate(styles.items()):
        picture = Image.open(style).convert("RGB")
        picture.thumbnail((size - 4, size - 4))
        image.paste(picture, ((j + 1) * size + 2, 24 + 2))
    for i, (pname, photo) in enumerate(photos.items()):
        for j, picture_path in enumerate([photo] + [cells[(pname, s)] for s in styles]):
            picture = Image.open(picture_path).convert("RGB")
            picture.thumbnail((size - 4, size - 4))
            image.paste(picture, (j * size + 2, 24 + (i + 1) * size + 2))
    image.save(path, quality=90)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="heldout", choices=["heldout", "dev"])
    parser.add_argument("--methods", default="reinhard,network,adain,optimise")
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--out", default=os.path.join(ROOT, "runs", "style_eval"))
    parser.add_argument("--seeds", default="1",
                        help="comma-separated --seed values: style_train and adain_train train once per seed (default 1, "
                             "the programs' own default)")
    parser.add_argument("--train-args", default="", help="extra style_train arguments (for experiments)")
    parser.add_argument("--adain-args", default="", help="extra adain_train arguments (for experiments)")
    parser.add_argument("--apply-args", default="",
                        help="extra style_apply and adain_apply arguments (for experiments, e.g. --no-clipped-detail)")
    parser.add_argument("--reuse-models", action="store_true",
                        help="apply the networks an earlier run of this set left in --out instead of training anew "
                             "(only valid when no default changed since)")
    args = parser.parse_args()
    bin_dir = os.path.join(args.build, "examples")
    data = os.path.join(ROOT, "runs", "style_eval_data")
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "style_eval_images.py"), data], check=True)
    out = os.path.join(args.out, args.set)
    os.makedirs(out, exist_ok=True)
    listing = lambda folder: {os.path.splitext(f)[0]: os.path.join(data, folder, f)  # noqa: E731
                              for f in sorted(os.listdir(os.path.join(data, folder)))}
    photos, styles = listing(f"{args.set}_photos"), listing(f"{args.set}_styles")
    methods = args.methods.split(",")
    try:
        seeds = [int(seed) for seed in args.seeds.split(",")]
    except ValueError:
        sys.exit(f"style_eval: --seeds takes comma-separated integers, got '{args.seeds}'")
    if "--seed" in (args.train_args + " " + args.adain_args).split():
        sys.exit("style_eval: give seeds with --seeds, not inside --train-args or --adain-args")
    # Names of one seed's runs and rows: seed 1 alone keeps the names of a single run.
    tag = (lambda seed: "") if seeds == [1] else (lambda seed: f"_seed{seed}")  # noqa: E731
    label = (lambda seed: "") if seeds == [1] else (lambda seed: f" seed {seed}")  # noqa: E731
    rows, notes = [], []

    def measure(method, cells):
        for (pname, sname), result in cells.items():
            rows.append((method, pname, sname) + figures(bin_dir, result, photos[pname], styles[sname]))
        sheet(os.path.join(out, f"sheet_{method.replace(' ', '_')}.jpg"), photos, styles,
              cells, f"{method} ({args.set} set)")

    if "reinhard" in methods:
        cells = {}
        for pname, photo in photos.items():
            for sname, style in styles.items():
                cells[(pname, sname)] = f"{out}/reinhard_{pname}_{sname}.png"
                run([f"{bin_dir}/stylize", "--method", "reinhard", "--content", photo, "--style", style,
                     "--size", str(SIDE), "--out", cells[(pname, sname)]], f"{out}/reinhard.log")
        measure("reinhard", cells)

    for seed in seeds if "network" in methods else []:
        cells = {}
        for sname, style in styles.items():
            net_dir = f"{out}/net_{sname}{tag(seed)}"
            if not (args.reuse_models and os.path.exists(f"{net_dir}/style_net.safetensors")):
                seconds = run([f"{bin_dir}/style_train", "--content", os.path.join(data, "train_photos"), "--style",
                               style, "--out", net_dir, "--overwrite", "--seed", str(seed)] + args.train_args.split(),
                              f"{out}/style_train_{sname}{tag(seed)}.log")
                notes.append(f"style_train {sname}{label(seed)}: {seconds / 60:.1f} min")
            for pname, photo in photos.items():
                cells[(pname, sname)] = f"{out}/network{tag(seed)}_{pname}_{sname}.png"
                # --style: networks trained before style_train stored their style picture get it here too.
                run([f"{bin_dir}/style_apply", "--model", f"{net_dir}/style_net.safetensors", "--size", str(SIDE),
                     "--style", style, photo, cells[(pname, sname)]] + args.apply_args.split(),
                    f"{out}/style_apply.log")
        measure(f"network{label(seed)}", cells)

    def arbitrary_style(method, extra_args, seed):
        """Trains one adain_train model (defaults + extra_args) on train_styles, applies it at three alphas."""
        run_dir = f"{out}/{method}{tag(seed)}"
        model = f"{run_dir}/checkpoint.safetensors"
        if not (args.reuse_models and os.path.exists(model)):
            seconds = run([f"{bin_dir}/adain_train", "--content", os.path.join(data, "train_photos"), "--style",
                           os.path.join(data, "train_styles"), "--out", run_dir, "--overwrite", "--seed", str(seed)]
                          + extra_args + args.adain_args.split(),
                          f"{run_dir}_train.log")
            notes.append(f"adain_train ({method}{label(seed)}): {seconds / 60:.1f} min")
        for alpha in ("1", "0.5", "0"):
            cells = {}
            for pname, photo in photos.items():
                for sname, style in styles.items():
                    cells[(pname, sname)] = f"{out}/{method}{alpha}{tag(seed)}_{pname}_{sname}.png"
                    run([f"{bin_dir}/adain_apply", "--model", model, "--content", photo, "--style", style,
                         "--alpha", alpha, "--size", str(SIDE), "--out", cells[(pname, sname)]]
                        + args.apply_args.split(), f"{run_dir}_apply.log")
            measure(f"{method}{label(seed)} alpha {alpha}", cells)

    for seed in seeds:
        if "adain" in methods:
            arbitrary_style("adain", [], seed)
        if "attention" in methods:
            arbitrary_style("attention", ["--fusion", "attention"], seed)

    if "optimise" in methods:
        cells = {}
        start = time.time()
        for pname, photo in photos.items():
            for sname, style in styles.items():
                cells[(pname, sname)] = f"{out}/optimise_{pname}_{sname}.png"
                run([f"{bin_dir}/stylize", "--content", photo, "--style", style, "--size", str(SIDE),
                     "--out", cells[(pname, sname)]],
                    f"{out}/stylize.log")
        notes.append(f"stylize (optimisation): {(time.time() - start) / len(cells):.0f} s per picture")
        measure("optimise", cells)

    lines = ["| method | photo | style | SSIM to photo | colour distance to style | blobs % | near blobs % |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {m} | {p} | {s} | {ssim:.3f} | {colour:.3f} | {flat:.2f} | {near:.2f} |"
              for m, p, s, ssim, colour, flat, near in rows]
    by_method = {}
    for m, _, _, *values in rows:
        by_method.setdefault(m, []).append(values)
    lines += ["", "| method | mean SSIM | mean colour | mean blobs % | mean near blobs % | worst SSIM | worst colour | "
              "worst blobs % | worst near blobs % |", "|---|---|---|---|---|---|---|---|---|"]
    for m, values in by_method.items():
        s, c, b, n = ([v[i] for v in values] for i in range(4))
        lines.append(f"| {m} | {sum(s) / len(s):.3f} | {sum(c) / len(c):.3f} | {sum(b) / len(b):.2f} | "
                     f"{sum(n) / len(n):.2f} | {min(s):.3f} | {max(c):.3f} | {max(b):.2f} | {max(n):.2f} |")
    # A style that is itself flat and saturated in places (retina's black
    # surround) asks for some of that in its results: its own share is the yardstick.
    own = []
    for sname, path in styles.items():
        measured = metrics(bin_dir, path, path)
        own.append(f"{sname} {blobs(measured):.2f} % (near {blobs(measured, 'near_flat_saturated_fraction'):.2f} %)")
    notes.append("the styles' own blobs: " + ", ".join(own))
    lines += [""] + notes
    text = "\n".join(lines)
    open(os.path.join(out, "table.md"), "w").write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
