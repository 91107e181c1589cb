#!/usr/bin/env python3
"""Writes adobe-japan1.bin.z: Adobe-Japan1 CID -> Unicode, for PDFs drawn with Identity-H and no
ToUnicode map (see README.md beside this file).

Source: Adobe's CMap resource Adobe-Japan1-UCS2 (BSD-3-Clause, Copyright 1990-2023 Adobe), as
shipped by poppler-data in /usr/share/poppler/cMap/Adobe-Japan1/. Output: zlib-compressed, one
big-endian u32 per CID from 0, the Unicode scalar value of the CID's first character, 0 when the
CID has none.
"""
import os
import re
import sys
import zlib

SRC = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/poppler/cMap/Adobe-Japan1/Adobe-Japan1-UCS2"


def scalar(hexstr):
    return ord(bytes.fromhex(hexstr).decode("utf-16-be")[0])


def main():
    text = open(SRC, encoding="latin-1").read()
    table = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for cid, uni in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            table[int(cid, 16)] = scalar(uni)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, uni in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            first = scalar(uni)
            for cid in range(int(lo, 16), int(hi, 16) + 1):
                table[cid] = first + cid - int(lo, 16)
    table.pop(0, None)  # CID 0 is .notdef
    out = bytearray()
    for cid in range(max(table) + 1):
        out += table.get(cid, 0).to_bytes(4, "big")
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "adobe-japan1.bin.z"), "wb") as f:
        f.write(zlib.compress(bytes(out), 9))
    print(f"{max(table) + 1} CIDs, {len(table)} mapped")


if __name__ == "__main__":
    main()
