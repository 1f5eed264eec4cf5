"""Draw one tile into a box, on any canvas, so the PDF and the images share every chart.

A canvas draws in a top-left coordinate system and offers five operations (rect, polygon, polyline,
text, text_width); `pdf.PdfCanvas` and `image.ImageCanvas` provide them.
"""

from __future__ import annotations

import math
from typing import Protocol

from .layout import TABLE_ROW, Box, Placement

RGB = tuple[int, int, int]
INK, MUTED, RULE, SHADE, FAILED = (38, 45, 52), (110, 118, 125), (205, 210, 215), (242, 244, 246), (190, 40, 40)
PALETTE = [(66, 133, 244), (234, 67, 53), (251, 188, 5), (52, 168, 83), (154, 80, 200), (0, 172, 193), (255, 112, 67)]


class Canvas(Protocol):
    def rect(self, box: Box, fill: RGB | None = None, outline: RGB | None = None) -> None: ...
    def polygon(self, points: list[tuple[float, float]], fill: RGB) -> None: ...
    def polyline(self, points: list[tuple[float, float]], color: RGB, width: float) -> None: ...
    def text(self, x: float, y: float, s: str, size: float, color: RGB = INK, bold: bool = False) -> None: ...
    def text_width(self, s: str, size: float, bold: bool = False) -> float: ...


def clip(canvas: Canvas, s: str, size: float, width: float, bold: bool = False) -> str:
    """Shorten text with an ellipsis until it fits the width."""
    if canvas.text_width(s, size, bold) <= width:
        return s
    while s and canvas.text_width(s + "...", size, bold) > width:
        s = s[:-1]
    return s + "..." if s else ""


def wrap(canvas: Canvas, s: str, size: float, width: float) -> list[str]:
    """Break text into lines that fit the width."""
    lines, line = [], ""
    for word in s.split():
        candidate = f"{line} {word}".strip()
        if line and canvas.text_width(candidate, size) > width:
            lines.append(line)
            candidate = word
        line = candidate
    return [*lines, line] if line else lines


def compact(value: float) -> str:
    """Return an axis label: 1.2M, 350K, 12."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def draw_tile(canvas: Canvas, placement: Placement, frame: bool = True) -> None:
    """Draw a tile's frame, title and body into its box."""
    tile, box = placement.tile, placement.box
    if frame:
        canvas.rect(box, fill=(255, 255, 255), outline=RULE)
    pad = max(4.0, min(box.w, box.h) * 0.04)
    size = max(7.0, min(13.0, box.h * 0.06))
    title = tile.title + (" (continued)" if placement.continued else "")
    canvas.text(box.x + pad, box.y + pad, clip(canvas, title, size, box.w - 2 * pad, bold=True), size, bold=True)
    top = pad + size * 1.6
    body = Box(box.x + pad, box.y + top, box.w - 2 * pad, box.h - top - pad)
    if body.w <= 4 or body.h <= 4:
        return
    if tile.kind in ("column", "line", "area"):
        _over_x(canvas, body, tile.labels, tile.values, tile.kind)
    elif tile.kind == "bar":
        _bars(canvas, body, tile.labels, tile.values)
    elif tile.kind == "pie":
        _pie(canvas, body, tile.labels, tile.values)
    elif tile.kind == "single_value":
        _big_number(canvas, body, tile.number, tile.measure)
    elif tile.kind == "table":
        _table(canvas, body, tile.header, tile.rows, placement.first_row, placement.last_row)
    else:
        _paragraph(canvas, body, tile.text, FAILED if tile.kind == "error" else INK)


def _small(body: Box) -> float:
    return max(6.0, min(9.0, body.h * 0.05))


def _over_x(canvas: Canvas, body: Box, labels: list[str], values: list[float], kind: str) -> None:
    """Draw columns, a line or an area along the x axis, with a value axis on the left."""
    labels, values = labels[:60], values[:60]
    if not values:
        return _paragraph(canvas, body, "No results", MUTED)
    size = _small(body)
    top_value = max(max(values), 0.0) or 1.0
    axis_w = canvas.text_width(compact(top_value), size) + size
    plot = Box(body.x + axis_w, body.y + size, body.w - axis_w, body.h - size * 3.2)
    for step in range(3):
        y = plot.y + plot.h * (1 - step / 2)
        canvas.polyline([(plot.x, y), (plot.x + plot.w, y)], RULE, 0.5)
        canvas.text(body.x, y - size * 0.6, compact(top_value * step / 2), size, MUTED)
    slot = plot.w / len(values)
    heights = [plot.h * max(v, 0.0) / top_value for v in values]
    base = plot.y + plot.h
    if kind == "column":
        for i, h in enumerate(heights):
            canvas.rect(Box(plot.x + i * slot + slot * 0.12, base - h, slot * 0.76, h), fill=PALETTE[0])
    else:
        points = [(plot.x + (i + 0.5) * slot, base - h) for i, h in enumerate(heights)]
        if kind == "area" and len(points) > 1:
            canvas.polygon([(points[0][0], base), *points, (points[-1][0], base)], (179, 205, 250))
        canvas.polyline(points, PALETTE[0], max(1.0, size / 6))
    every = max(1, math.ceil(len(labels) * canvas.text_width("2026-06", size) * 1.3 / plot.w))
    for i in range(0, len(labels), every):
        label = clip(canvas, labels[i], size, slot * every * 0.95)
        canvas.text(plot.x + i * slot + slot / 2 - canvas.text_width(label, size) / 2, base + size * 0.5, label, size)


def _bars(canvas: Canvas, body: Box, labels: list[str], values: list[float]) -> None:
    """Draw horizontal bars, one a category, with the category on the left and the value at the end."""
    count = min(len(values), max(1, int(body.h // 9)))
    if not count:
        return _paragraph(canvas, body, "No results", MUTED)
    slot = min(body.h / count, body.h / 6)  # few categories still get slim bars, from the top down
    size = max(5.0, min(9.0, slot * 0.6))
    label_w = body.w * 0.32
    top_value = max(max(values[:count]), 0.0) or 1.0
    value_w = canvas.text_width(compact(top_value), size) + size
    for i in range(count):
        y = body.y + i * slot
        canvas.text(body.x, y + (slot - size) / 2, clip(canvas, labels[i], size, label_w - size), size)
        length = (body.w - label_w - value_w) * max(values[i], 0.0) / top_value
        canvas.rect(Box(body.x + label_w, y + slot * 0.15, length, slot * 0.7), fill=PALETTE[i % len(PALETTE)])
        canvas.text(body.x + label_w + length + size * 0.3, y + (slot - size) / 2, compact(values[i]), size, MUTED)


def _pie(canvas: Canvas, body: Box, labels: list[str], values: list[float]) -> None:
    """Draw a pie of the values with a legend of each slice's share."""
    total = sum(v for v in values if v > 0)
    if not total:
        return _paragraph(canvas, body, "No results", MUTED)
    radius = min(body.h, body.w * 0.5) / 2
    cx, cy = body.x + radius, body.y + body.h / 2
    angle = -math.pi / 2
    size = _small(body)
    legend_x = body.x + 2 * radius + size
    for i, value in enumerate(v for v in values if v > 0):
        sweep = 2 * math.pi * value / total
        steps = max(2, int(sweep * 24))
        arc = [
            (cx + radius * math.cos(angle + sweep * k / steps), cy + radius * math.sin(angle + sweep * k / steps))
            for k in range(steps + 1)
        ]
        canvas.polygon([(cx, cy), *arc], PALETTE[i % len(PALETTE)])
        angle += sweep
        y = body.y + i * size * 1.5
        if y + size < body.y + body.h:
            canvas.rect(Box(legend_x, y + size * 0.1, size * 0.8, size * 0.8), fill=PALETTE[i % len(PALETTE)])
            line = f"{labels[i]}  {100 * value / total:.1f}%"
            canvas.text(legend_x + size * 1.2, y, clip(canvas, line, size, body.x + body.w - legend_x - size), size)


def _big_number(canvas: Canvas, body: Box, number: str, label: str) -> None:
    """Draw a single value as large as the box allows, with its field's label under it."""
    size = min(body.h * 0.45, 60.0)
    while size > 6 and canvas.text_width(number, size, bold=True) > body.w * 0.92:
        size *= 0.9
    y = body.y + (body.h - size * 1.6) / 2
    canvas.text(body.x + (body.w - canvas.text_width(number, size, True)) / 2, y, number, size, bold=True)
    small = max(6.0, size * 0.28)
    label = clip(canvas, label, small, body.w)
    canvas.text(body.x + (body.w - canvas.text_width(label, small)) / 2, y + size * 1.25, label, small, MUTED)


def _table(canvas: Canvas, body: Box, header: list[str], rows: list[list[str]], first: int, last: int | None) -> None:
    """Draw a table's header and the rows that fit, saying how many more there are."""
    if not header:
        return
    size, row_h = 7.5, TABLE_ROW
    fit = max(1, int(body.h // row_h) - 2) if last is None else last - first  # less the header and "more" lines
    shown = rows[first : first + fit]
    column_w = body.w / len(header)
    canvas.rect(Box(body.x, body.y, body.w, row_h), fill=SHADE)
    for c, name in enumerate(header):
        name = clip(canvas, name, size, column_w - 4, bold=True)
        canvas.text(body.x + c * column_w + 2, body.y + 3, name, size, bold=True)
    for r, row in enumerate(shown, start=1):
        y = body.y + r * row_h
        canvas.polyline([(body.x, y), (body.x + body.w, y)], RULE, 0.4)
        for c, cell in enumerate(row):
            canvas.text(body.x + c * column_w + 2, y + 3, clip(canvas, cell, size, column_w - 4), size)
    hidden = len(rows) - first - len(shown)
    if hidden > 0 and last is None:
        y = body.y + (len(shown) + 1) * row_h + 2
        canvas.text(body.x, y, f"{hidden} more rows", size, MUTED)


def _paragraph(canvas: Canvas, body: Box, text: str, color: RGB) -> None:
    """Draw wrapped text from the top of the box down, as far as it fits."""
    size = max(7.0, min(11.0, body.h * 0.08))
    for i, line in enumerate(wrap(canvas, text, size, body.w)):
        if (i + 1) * size * 1.4 > body.h:
            break
        canvas.text(body.x, body.y + i * size * 1.4, line, size, color)


def draw_header(canvas: Canvas, title: str, filters: list[tuple[str, str]], box: Box, page: str = "") -> None:
    """Draw a dashboard's title, the filter values applied and the page number across the top band."""
    size = max(8.0, min(18.0, box.h * 0.36))
    canvas.text(box.x, box.y, clip(canvas, title, size, box.w * 0.8, bold=True), size, bold=True)
    small = max(6.0, size * 0.5)
    if page:
        canvas.text(box.x + box.w - canvas.text_width(page, small), box.y + size * 0.3, page, small, MUTED)
    applied = "  \u00b7  ".join(f"{name}: {value}" for name, value in filters) or "No filters"
    for i, line in enumerate(wrap(canvas, applied, small, box.w)[:2]):
        canvas.text(box.x, box.y + size * 1.45 + i * small * 1.3, line, small, MUTED)
    canvas.polyline([(box.x, box.y + box.h - 4), (box.x + box.w, box.y + box.h - 4)], RULE, 0.8)


FALLBACK = {"∅": "-", "–": "-", "—": "-", "…": "...", "’": "'", "‘": "'", "“": '"', "”": '"'}


def plain(s: str) -> str:
    """Return text the built-in fonts can show: Latin-1, with common typography replaced."""
    s = "".join(FALLBACK.get(ch, ch) for ch in s)
    return s.encode("latin-1", "replace").decode("latin-1")
