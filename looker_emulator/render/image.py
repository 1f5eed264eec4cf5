"""The raster back end: a canvas over Pillow, and PNG or JPG renders of exactly the requested size."""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from .charts import INK, RGB, draw_header, draw_tile, plain
from .layout import Box, Placement, header_box, plan_pages
from .model import Board, Tile

PIL_FORMATS = {"png": "PNG", "jpg": "JPEG"}


@lru_cache(maxsize=64)
def _font(size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


class ImageCanvas:
    """Draw on a Pillow image, in pixels from the top-left corner."""

    def __init__(self, image: Image.Image):
        self.draw = ImageDraw.Draw(image)

    def rect(self, box: Box, fill: RGB | None = None, outline: RGB | None = None) -> None:
        """Draw a rectangle, filled, outlined or both."""
        if box.w > 0 and box.h > 0:
            self.draw.rectangle([box.x, box.y, box.x + box.w, box.y + box.h], fill=fill, outline=outline)

    def polygon(self, points: list[tuple[float, float]], fill: RGB) -> None:
        """Fill a closed shape."""
        self.draw.polygon(points, fill=fill)

    def polyline(self, points: list[tuple[float, float]], color: RGB, width: float) -> None:
        """Stroke a line through the points."""
        if len(points) > 1:
            self.draw.line(points, fill=color, width=max(1, round(width)), joint="curve")

    def text(self, x: float, y: float, s: str, size: float, color: RGB = INK, bold: bool = False) -> None:
        """Write one line of text whose top is at y."""
        stroke = 1 if bold and size >= 14 else 0
        self.draw.text((x, y), plain(s), font=_font(round(size * 2) / 2), fill=color, anchor="lt", stroke_width=stroke)

    def text_width(self, s: str, size: float, bold: bool = False) -> float:
        """Return how wide a line of text is."""
        return _font(round(size * 2) / 2).getlength(plain(s)) + (2 if bold and size >= 14 else 0)


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=PIL_FORMATS[fmt], **({"quality": 90} if fmt == "jpg" else {}))
    return buffer.getvalue()


def look_image(tile: Tile, width: int, height: int, fmt: str) -> bytes:
    """Return a Look's chart (or table) filling an image of exactly width by height pixels."""
    image = Image.new("RGB", (width, height), "white")
    draw_tile(ImageCanvas(image), Placement(tile, Box(0, 0, width, height)), frame=False)
    return _encode(image, fmt)


def dashboard_image(board: Board, width: int, height: int, fmt: str) -> bytes:
    """Return the whole dashboard, header and every tile, in one image of exactly width by height pixels."""
    image = Image.new("RGB", (width, height), (246, 247, 249))
    canvas = ImageCanvas(image)
    scale = max(0.4, min(2.0, min(width, height) / 700))
    draw_header(canvas, board.title, board.filters, header_box(width, scale))
    for placement in plan_pages(board.tiles, width, height, one_page=True, scale=scale)[0]:
        draw_tile(canvas, placement)
    return _encode(image, fmt)
