#!/usr/bin/python3
"""Writes the pictures of the style-transfer evaluation (scripts/style_eval.py).

Every picture comes from a Debian package (python3-skimage-lib,
mate-backgrounds, gnome-backgrounds), longest side 384 px:
  train_photos/    the photos the networks train on (the gallery's ten,
                   scripts/gallery_images.py)
  train_styles/    the styles AdaIN trains on: the gallery's four (elephants,
                   truchet-tiles, licorice, stained-tissue) and gnome's
                   adwaita-d (cubes) and skimage's hubble_deep_field
  dev_photos/      for tuning: mate's Aqua and TwoWings
  dev_styles/      for tuning: elephants, truchet-tiles and skimage's logo
                   (a disc on a flat white background: the flat-region case)
  heldout_photos/  never used for training or tuning: skimage's chelsea and
                   camera (grey), mate's YellowFlower and RainDrops
  heldout_styles/  never used for training or tuning: gnome's grid-d (a blue
                   mosaic) and skimage's retina (a fundus photograph, red and
                   orange vessels)

Usage: /usr/bin/python3 scripts/style_eval_images.py OUT_DIR
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gallery_images import CONTENT, GNOME, MATE, SKIMAGE, STYLES, save_small  # noqa: E402

SETS = {
    "train_photos": {os.path.splitext(os.path.basename(p))[0].lower(): p for p in CONTENT},
    "train_styles": dict(STYLES, **{"adwaita": f"{GNOME}/adwaita-d.webp",
                                    "hubble": f"{SKIMAGE}/hubble_deep_field.jpg"}),
    "dev_photos": {"aqua": f"{MATE}/nature/Aqua.jpg", "twowings": f"{MATE}/nature/TwoWings.jpg"},
    "dev_styles": {"elephants": STYLES["elephants"], "truchet-tiles": STYLES["truchet-tiles"],
                   "logo": f"{SKIMAGE}/logo.png"},
    "heldout_photos": {"chelsea": f"{SKIMAGE}/chelsea.png", "camera": f"{SKIMAGE}/camera.png",
                       "yellowflower": f"{MATE}/nature/YellowFlower.jpg", "raindrops": f"{MATE}/nature/RainDrops.jpg"},
    "heldout_styles": {"grid": f"{GNOME}/grid-d.webp", "retina": f"{SKIMAGE}/retina.jpg"},
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "runs/style_eval_data"
    for folder, pictures in SETS.items():
        os.makedirs(f"{out}/{folder}", exist_ok=True)
        for name, source in pictures.items():
            save_small(source, f"{out}/{folder}/{name}.png")
    print(f"wrote {sum(len(p) for p in SETS.values())} pictures under {out}")


if __name__ == "__main__":
    main()
