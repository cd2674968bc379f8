#!/usr/bin/env python3
"""Draws Herald's app icons (a white bell on a blue rounded square) into icons/.

Pure Python (zlib + struct), so it runs on any machine without an imaging library.
Run from the project root: python3 scripts/make-icons.py
"""
import math
import os
import struct
import zlib

SS = 4  # supersampling per axis, for smooth edges


def inside_rounded_rect(x, y, r):
    # unit square [0,1]^2 with corner radius r
    cx = min(max(x, r), 1 - r)
    cy = min(max(y, r), 1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def inside_bell(x, y):
    # dome: upper half of a circle
    if (x - 0.5) ** 2 + (y - 0.42) ** 2 <= 0.22 ** 2 and y <= 0.42:
        return True
    # body: widens from the dome down to the rim
    if 0.42 <= y <= 0.66:
        t = (y - 0.42) / 0.24
        half = 0.22 + 0.08 * t * t
        return abs(x - 0.5) <= half
    # rim
    if 0.66 <= y <= 0.71:
        return abs(x - 0.5) <= 0.32
    # clapper
    if (x - 0.5) ** 2 + (y - 0.76) ** 2 <= 0.06 ** 2:
        return True
    # knob on top
    return (x - 0.5) ** 2 + (y - 0.19) ** 2 <= 0.035 ** 2


def pixel(px, py, size):
    bg = bell = 0
    for sy in range(SS):
        for sx in range(SS):
            x = (px + (sx + 0.5) / SS) / size
            y = (py + (sy + 0.5) / SS) / size
            if inside_rounded_rect(x, y, 0.2):
                bg += 1
                if inside_bell(x, y):
                    bell += 1
    n = SS * SS
    if bg == 0:
        return (0, 0, 0, 0)
    a = bg / n
    # vertical gradient from a bright to a deep blue
    t = py / size
    blue = (int(46 + (24 - 46) * t), int(123 + (76 - 123) * t), int(230 + (170 - 230) * t))
    w = bell / bg
    rgb = tuple(int(c * (1 - w) + 255 * w) for c in blue)
    return rgb + (int(round(255 * a)),)


def png(size):
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            row.extend(pixel(px, py, size))
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def ico(images):
    # ICO with PNG-compressed entries (supported since Windows Vista)
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for size, data in images:
        dim = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset + len(blobs))
        blobs += data
    return header + entries + blobs


def main():
    out = "icons"
    os.makedirs(out, exist_ok=True)
    made = {}
    for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
        made[size] = png(size)
        with open(os.path.join(out, name), "wb") as f:
            f.write(made[size])
    with open(os.path.join(out, "icon.ico"), "wb") as f:
        f.write(ico([(32, made[32]), (256, made[256])]))
    print("icons written to", out)


if __name__ == "__main__":
    main()
