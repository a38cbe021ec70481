#!/usr/bin/python3
"""Writes the images used to train and measure the AdaIN programs.

Every picture comes from the Debian package python3-skimage-lib (the photos
and textures under skimage/data; `apt-get install python3-skimage-lib`) or is
generated here with a fixed seed, so nothing is downloaded:

  content_train/  photos to train the decoder on
  content_test/   held-out photos (never seen in training): chelsea (the cat), camera
  style_train/    style images for training: ihc, hubble_deep_field, retina,
                  gravel and grass tinted with a palette, generated waves and mosaic
  style_test/     held-out styles: brick tinted red, generated dots

Usage: /usr/bin/python3 examples/data/adain_images.py OUT_DIR
Needs python3-numpy and python3-pil (Debian).
"""
import os
import shutil
import sys

import numpy as np
from PIL import Image

SKIMAGE_DATA = "/usr/lib/python3/dist-packages/skimage/data"

CONTENT_TRAIN = ["astronaut.png", "coffee.png", "motorcycle_left.png", "rocket.jpg", "coins.png",
                 "moon.png", "cell.png", "clock_motion.png", "page.png"]
CONTENT_TEST = ["chelsea.png", "camera.png"]
STYLE_FILES = ["ihc.png", "hubble_deep_field.jpg", "retina.jpg"]


def rgb(name):
    """A skimage photo as (H, W, 3) float in [0, 1]."""
    return np.asarray(Image.open(os.path.join(SKIMAGE_DATA, name)).convert("RGB"), dtype=np.float64) / 255.0


def save(array, path):
    Image.fromarray((np.clip(array, 0, 1) * 255 + 0.5).astype(np.uint8)).save(path)


def tint(gray, colours):
    """Maps grey levels through a piecewise-linear palette of RGB stops."""
    stops = np.linspace(0, 1, len(colours))
    colours = np.asarray(colours, dtype=np.float64) / 255.0
    g = gray[..., 0] if gray.ndim == 3 else gray
    return np.stack([np.interp(g, stops, colours[:, c]) for c in range(3)], axis=-1)


def waves(size, rng):
    y, x = np.mgrid[0:size, 0:size] / size
    phase = np.sin(12 * x + 4 * np.sin(9 * y)) + np.sin(15 * y + 3 * np.cos(7 * x))
    return tint((phase - phase.min()) / np.ptp(phase), [(20, 30, 90), (40, 140, 200), (250, 230, 120), (200, 60, 30)])


def mosaic(size, rng, cells=90):
    """Voronoi cells in saturated colours with dark borders."""
    points = rng.uniform(0, size, (cells, 2))
    colours = rng.uniform(0.2, 1.0, (cells, 3)) * np.array([1.0, 0.8, 0.6])
    y, x = np.mgrid[0:size, 0:size]
    d = (y[..., None] - points[:, 0]) ** 2 + (x[..., None] - points[:, 1]) ** 2
    order = np.sort(d, axis=-1)
    img = colours[np.argmin(d, axis=-1)]
    border = (np.sqrt(order[..., 1]) - np.sqrt(order[..., 0])) < 2.0
    img[border] = 0.05
    return img


def dots(size, rng, count=160):
    """Random overlapping discs on a cream ground."""
    img = np.ones((size, size, 3)) * np.array([0.95, 0.9, 0.78])
    y, x = np.mgrid[0:size, 0:size]
    palette = np.array([[0.85, 0.2, 0.15], [0.1, 0.35, 0.7], [0.95, 0.75, 0.1], [0.1, 0.1, 0.1]])
    for _ in range(count):
        cy, cx, r = rng.uniform(0, size), rng.uniform(0, size), rng.uniform(4, 18)
        img[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = palette[rng.integers(len(palette))]
    return img


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "runs/adain_data"
    dirs = {d: os.path.join(out, d) for d in ["content_train", "content_test", "style_train", "style_test"]}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    for name in CONTENT_TRAIN:
        save(rgb(name), os.path.join(dirs["content_train"], os.path.splitext(name)[0] + ".png"))
    for name in CONTENT_TEST:
        save(rgb(name), os.path.join(dirs["content_test"], os.path.splitext(name)[0] + ".png"))
    for name in STYLE_FILES:
        shutil.copy(os.path.join(SKIMAGE_DATA, name), dirs["style_train"])
    rng = np.random.default_rng(6)
    save(tint(rgb("gravel.png"), [(40, 20, 10), (180, 90, 40), (250, 210, 150)]),
         os.path.join(dirs["style_train"], "gravel_ochre.png"))
    save(tint(rgb("grass.png"), [(10, 40, 20), (90, 160, 40), (230, 240, 120)]),
         os.path.join(dirs["style_train"], "grass_green.png"))
    save(waves(384, rng), os.path.join(dirs["style_train"], "waves.png"))
    save(mosaic(384, rng), os.path.join(dirs["style_train"], "mosaic.png"))
    save(tint(rgb("brick.png"), [(50, 10, 10), (170, 50, 30), (240, 170, 120)]),
         os.path.join(dirs["style_test"], "brick_red.png"))
    save(dots(384, rng), os.path.join(dirs["style_test"], "dots.png"))
    print("wrote", out)


if __name__ == "__main__":
    main()
