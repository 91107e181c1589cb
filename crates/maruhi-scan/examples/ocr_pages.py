#!/usr/bin/env python3
"""Renders pages for the OCR recall measurement (`ocr_recall.rs`): the first ~600 characters of
Japanese manual pages from ../shared/corpus/ja, wrapped at 40 characters, rendered in Noto Sans
CJK JP at 200 and 300 dpi, turned 0.4-0.8 degrees, blurred and speckled like a scan, saved as
1-bit PNG beside the true text.

    /tmp/rl/bin/python ocr_pages.py /work/shared/corpus/ja /tmp/ocr-pages 16
"""
import os
import random
import sys

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def scan(lines, dpi, seed, noise=0.004):
    rnd = random.Random(seed)
    size = round(10.5 / 72 * dpi)
    font = ImageFont.truetype(FONT, size, index=0)
    width = round(7 * dpi)
    height = round((len(lines) * 1.6 + 1) * size)
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((size, size // 2 + round(i * 1.6 * size)), line, font=font, fill=0)
    img = img.rotate(rnd.uniform(0.4, 0.8), resample=Image.BICUBIC, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(dpi / 300))
    px = img.load()
    for _ in range(int(width * height * noise)):
        x, y = rnd.randrange(width), rnd.randrange(height)
        px[x, y] = 0 if rnd.random() < 0.5 else 255
    return img.point(lambda v: 0 if v < 150 else 255, mode="1")


def main():
    src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    names = sorted(f for f in os.listdir(src) if f.endswith(".txt"))
    rnd = random.Random(1)
    rnd.shuffle(names)
    done = 0
    for name in names:
        text = open(os.path.join(src, name), encoding="utf-8").read()
        # Pages with enough Japanese to be a Japanese page.
        if sum(1 for c in text[:600] if ord(c) > 0x3000) < 150:
            continue
        flat = " ".join(text.split())[:600]
        lines = [flat[i:i + 40] for i in range(0, len(flat), 40)]
        with open(os.path.join(out, f"{done:02}.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        for dpi in (200, 300):
            scan(lines, dpi, done).save(os.path.join(out, f"{done:02}-{dpi}.png"), optimize=True)
        done += 1
        if done == n:
            break
    print(f"{done} pages in {out}")


if __name__ == "__main__":
    main()
