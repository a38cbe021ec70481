#!/usr/bin/python3
"""Writes the pictures the serve gallery's style networks are trained on.

Every picture comes from a Debian package, so nothing is downloaded:
  content/  training photos: python3-skimage-lib (astronaut, coffee, rocket,
            motorcycle_left) and mate-backgrounds (nature: Garden, Dune,
            FreshFlower, Storm, GreenMeadow, LadyBird), longest side 384 px
  styles/   one picture per style, longest side 384 px, named as the gallery names it:
              elephants       mate-backgrounds    abstract/Elephants.jpg (a painting)
              truchet-tiles   gnome-backgrounds   truchet-l.webp (orange Truchet tiles)
              licorice        gnome-backgrounds   licorice-l.webp (coloured scales)
              stained-tissue  python3-skimage-lib ihc.png (a stained microscope slide)
Photos kept out of training, for trying the styles on unseen pictures:
skimage's chelsea and camera, mate-backgrounds' YellowFlower, Aqua, TwoWings.

Usage: /usr/bin/python3 scripts/gallery_images.py OUT_DIR
Needs python3-pil (it reads WebP) and the three packages above.
"""
import os
import sys

from PIL import Image

SKIMAGE = "/usr/lib/python3/dist-packages/skimage/data"
MATE = "/usr/share/backgrounds/mate"
GNOME = "/usr/share/backgrounds/gnome"

CONTENT = [f"{SKIMAGE}/astronaut.png", f"{SKIMAGE}/coffee.png", f"{SKIMAGE}/rocket.jpg",
           f"{SKIMAGE}/motorcycle_left.png", f"{MATE}/nature/Garden.jpg", f"{MATE}/nature/Dune.jpg",
           f"{MATE}/nature/FreshFlower.jpg", f"{MATE}/nature/Storm.jpg", f"{MATE}/nature/GreenMeadow.jpg",
           f"{MATE}/nature/LadyBird.jpg"]
STYLES = {"elephants": f"{MATE}/abstract/Elephants.jpg", "truchet-tiles": f"{GNOME}/truchet-l.webp",
          "licorice": f"{GNOME}/licorice-l.webp", "stained-tissue": f"{SKIMAGE}/ihc.png"}
SIDE = 384


def save_small(source, path):
    image = Image.open(source).convert("RGBA")
    # Transparent parts on white, as a viewer shows them (convert("RGB") would keep whatever colour they hold).
    image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB")
    image.thumbnail((SIDE, SIDE), Image.LANCZOS)
    image.save(path)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "runs/gallery_data"
    os.makedirs(f"{out}/content", exist_ok=True)
    os.makedirs(f"{out}/styles", exist_ok=True)
    for source in CONTENT:
        save_small(source, f"{out}/content/{os.path.splitext(os.path.basename(source))[0].lower()}.png")
    for name, source in STYLES.items():
        save_small(source, f"{out}/styles/{name}.png")
    print(f"wrote {len(CONTENT)} photos and {len(STYLES)} styles under {out}")


if __name__ == "__main__":
    main()
