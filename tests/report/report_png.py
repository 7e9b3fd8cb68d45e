"""A tiny PNG decoder (zlib + the five scanline filters) for counting screenshot pixels.

Enough for Chromium's screenshots: 8-bit RGB or RGBA, not interlaced. No Pillow needed.
"""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {2: 3, 6: 4}  # colour type -> bytes per pixel at 8 bits


@dataclass(frozen=True)
class Image:
    """Decoded pixels: `rows[y]` is the raw RGB(A) bytes of scanline y."""

    width: int
    height: int
    channels: int
    rows: list[bytes]

    def colours(self) -> Counter[tuple[int, int, int]]:
        """How many pixels have each RGB colour (alpha ignored)."""
        c: Counter[tuple[int, int, int]] = Counter()
        n = self.channels
        for row in self.rows:
            for i in range(0, len(row), n):
                c[(row[i], row[i + 1], row[i + 2])] += 1
        return c


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(ftype: int, line: bytearray, prev: bytes, bpp: int) -> bytes:
    if ftype == 0:
        return bytes(line)
    if ftype == 2:
        return bytes((x + y) & 0xFF for x, y in zip(line, prev, strict=True))
    for i in range(len(line)):
        a = line[i - bpp] if i >= bpp else 0
        if ftype == 1:
            line[i] = (line[i] + a) & 0xFF
        elif ftype == 3:
            line[i] = (line[i] + ((a + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            c = prev[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + _paeth(a, prev[i], c)) & 0xFF
        else:
            raise ValueError(f"PNG filter type {ftype} unknown")
    return bytes(line)


def decode(path: Path) -> Image:
    """Decode an 8-bit, non-interlaced RGB/RGBA PNG file."""
    data = path.read_bytes()
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path}: not a PNG")
    pos, idat, header = len(SIGNATURE), bytearray(), None
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError(f"{path}: no IHDR")
    width, height, depth, ctype, _, _, interlace = header
    if depth != 8 or ctype not in CHANNELS or interlace:
        raise ValueError(f"{path}: unsupported PNG (depth {depth}, colour type {ctype}, "
                         f"interlace {interlace})")
    bpp = CHANNELS[ctype]
    raw = zlib.decompress(bytes(idat))
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytes(stride)
    for y in range(height):
        off = y * (stride + 1)
        prev = _unfilter(raw[off], bytearray(raw[off + 1:off + 1 + stride]), prev, bpp)
        rows.append(prev)
    return Image(width, height, bpp, rows)
