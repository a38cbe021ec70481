#!/usr/bin/env python3
"""Writes N grey 28x28 PNGs, each a bright square on black at a random place,
into DIR: a dataset small enough for dcgan_train to start in a blink.
Standard library only (the PNG is encoded here).

    python3 tests/kill/make_images.py DIR N
"""
import os
import random
import struct
import sys
import zlib

SIDE, SQUARE = 28, 10


def png_grey(side, pixels):
    """An 8-bit greyscale PNG of side x side from row-major bytes."""
    rows = b"".join(b"\x00" + pixels[y * side:(y + 1) * side] for y in range(side))  # filter 0 per row

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8 bits, greyscale, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def square_image(rng):
    top, left = rng.randrange(SIDE - SQUARE), rng.randrange(SIDE - SQUARE)
    return bytes(255 if top <= y < top + SQUARE and left <= x < left + SQUARE else 0
                 for y in range(SIDE) for x in range(SIDE))


def main():
    folder, count = sys.argv[1], int(sys.argv[2])
    os.makedirs(folder, exist_ok=True)
    rng = random.Random(1)
    for i in range(count):
        with open(os.path.join(folder, f"square_{i:03d}.png"), "wb") as f:
            f.write(png_grey(SIDE, square_image(rng)))


if __name__ == "__main__":
    main()
