"""A small PNG writer (stdlib only) for the backtest's equity curve.

Draws the equity line over a light grid, the starting equity as a baseline, and the
drawdown from the running peak as a shaded band under the peak line. No fonts: the numbers
are in the report next to the image.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from pathlib import Path

__all__ = ["Canvas", "write_equity_png"]

Color = tuple[int, int, int]
WHITE: Color = (255, 255, 255)
GRID: Color = (228, 231, 236)
AXIS: Color = (120, 126, 135)
LINE: Color = (31, 100, 200)
PEAK: Color = (170, 190, 220)
DRAWDOWN: Color = (246, 205, 205)
BASE: Color = (90, 160, 90)


class Canvas:
    """An RGB raster with just enough drawing for a line chart."""

    def __init__(self, width: int, height: int, background: Color = WHITE) -> None:
        self.width = width
        self.height = height
        self.pixels = bytearray(bytes(background) * (width * height))

    def set(self, x: int, y: int, color: Color) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            i = (y * self.width + x) * 3
            self.pixels[i : i + 3] = bytes(color)

    def hline(self, x0: int, x1: int, y: int, color: Color) -> None:
        for x in range(min(x0, x1), max(x0, x1) + 1):
            self.set(x, y, color)

    def vline(self, x: int, y0: int, y1: int, color: Color) -> None:
        for y in range(min(y0, y1), max(y0, y1) + 1):
            self.set(x, y, color)

    def line(self, x0: int, y0: int, x1: int, y1: int, color: Color, width: int = 1) -> None:
        """Bresenham's line, thickened vertically to ``width`` pixels."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err = dx + dy
        while True:
            for w in range(width):
                self.set(x0, y0 + w - width // 2, color)
            if x0 == x1 and y0 == y1:
                return
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy

    def png(self) -> bytes:
        """Encode as PNG (8-bit RGB, no filtering)."""
        rows = b"".join(
            b"\x00" + bytes(self.pixels[y * self.width * 3 : (y + 1) * self.width * 3])
            for y in range(self.height)
        )

        def chunk(kind: bytes, data: bytes) -> bytes:
            crc = zlib.crc32(kind + data) & 0xFFFFFFFF
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b"")
        )


def write_equity_png(
    equity: Sequence[float], path: str | Path, *, width: int = 900, height: int = 420
) -> Path:
    """Draw ``equity`` (one value per bar) to a PNG at ``path``."""
    canvas = Canvas(width, height)
    left, right, top, bottom = 50, width - 20, 20, height - 30
    values = list(equity) or [0.0]
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.05
    low, high = low - pad, high + pad

    def px(i: int) -> int:
        return left + round(i * (right - left) / max(len(values) - 1, 1))

    def py(v: float) -> int:
        return bottom - round((v - low) * (bottom - top) / (high - low))

    for k in range(6):
        canvas.hline(left, right, top + k * (bottom - top) // 5, GRID)
    for k in range(11):
        canvas.vline(left + k * (right - left) // 10, top, bottom, GRID)
    peak = values[0]
    for i, v in enumerate(values):
        peak = max(peak, v)
        if peak > v:
            canvas.vline(px(i), py(peak), py(v), DRAWDOWN)
    canvas.hline(left, right, py(values[0]), BASE)
    running = values[0]
    for i in range(1, len(values)):
        previous, running = running, max(running, values[i])
        canvas.line(px(i - 1), py(previous), px(i), py(running), PEAK)
        canvas.line(px(i - 1), py(values[i - 1]), px(i), py(values[i]), LINE, width=2)
    canvas.vline(left, top, bottom, AXIS)
    canvas.hline(left, right, bottom, AXIS)
    out = Path(path)
    out.write_bytes(canvas.png())
    return out
