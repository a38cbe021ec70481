# Procedurally generated, strongly textured colour style images for the style
# transfer docs and measurements (no downloads; public domain like the code).
#   /usr/bin/python3 scripts/make_style_images.py docs/images/style
# mosaic.png: stained glass (Voronoi cells, saturated colours, dark lead lines);
# waves.png:  warped sine bands in a warm/cool palette.
import sys
import numpy as np
from PIL import Image
rng = np.random.default_rng(1)

def mosaic(size=256, cells=70):
    # Stained glass: Voronoi cells in saturated colours with dark lead lines.
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    pts = rng.uniform(0, size, (cells, 2))
    d = np.stack([np.hypot(xs - px, ys - py) for py, px in pts])
    order = np.sort(d, axis=0)
    idx = np.argmin(d, axis=0)
    palette = np.array([[0.85, 0.15, 0.1], [0.95, 0.75, 0.1], [0.1, 0.35, 0.8], [0.15, 0.6, 0.25], [0.6, 0.2, 0.6], [0.95, 0.5, 0.15]])
    col = palette[rng.integers(0, len(palette), cells)] * rng.uniform(0.75, 1.0, (cells, 1))
    img = col[idx]
    shade = 1.0 - 0.25 * np.clip(order[0] / 25.0, 0, 1)[..., None]
    img = img * shade
    edge = (order[1] - order[0]) < 3.0
    img[edge] = 0.08
    return img

def waves(size=256):
    # Swirling bands: a warped sine pattern with a warm/cool palette.
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) / size
    warp = 0.08 * np.sin(2 * np.pi * (3 * ys + 0.5 * np.sin(2 * np.pi * 2 * xs)))
    t = np.sin(2 * np.pi * 9 * (xs + warp + 0.15 * np.sin(2 * np.pi * 2.5 * ys)))
    u = 0.5 + 0.5 * np.sin(2 * np.pi * (2 * xs - 1.5 * ys))
    a = np.array([0.05, 0.15, 0.45]); b = np.array([0.95, 0.85, 0.35]); c = np.array([0.85, 0.25, 0.15])
    band = (t[..., None] > 0.2)
    img = np.where(band, a + (c - a) * u[..., None], b * (0.8 + 0.2 * u[..., None]))
    img = np.where((np.abs(t) < 0.18)[..., None], 0.1, img)
    return img

for name, img in [("mosaic", mosaic()), ("waves", waves())]:
    Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8)).save(f"{sys.argv[1]}/{name}.png")
