"""Where things go on a page: paper sizes, the header band, and the grid of tiles, kept apart from drawing.

Units are whatever the back end draws in (points for a PDF, pixels for an image); every length here is
multiplied by `scale`, so a small image gets a proportionally small header and gaps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .model import Tile

# Looker's pdf_paper_size values, portrait, in points (1/72 inch).
PAPER = {
    "letter": (612.0, 792.0),
    "legal": (612.0, 1008.0),
    "tabloid": (792.0, 1224.0),
    "a0": (2383.94, 3370.39),
    "a1": (1683.78, 2383.94),
    "a2": (1190.55, 1683.78),
    "a3": (841.89, 1190.55),
    "a4": (595.28, 841.89),
    "a5": (419.53, 595.28),
}
STYLES = ("tiled", "single_column")
MARGIN, HEADER, GAP = 28.0, 58.0, 10.0
TILE_MIN_HEIGHT = 170.0
TABLE_ROW, TABLE_TOP = 13.0, 64.0  # a table row; a tile's padding, title and header row above its rows


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float


@dataclass
class Placement:
    """One tile in one box; a long table spread over pages shows rows [first_row, last_row) in each."""

    tile: Tile
    box: Box
    first_row: int = 0
    last_row: int | None = None

    @property
    def continued(self) -> bool:
        return self.first_row > 0


def page_size(paper: str | None, landscape: bool, width: float, height: float) -> tuple[float, float]:
    """Return the page size: the paper's, turned for landscape, else the requested width and height."""
    if not paper:
        return float(width), float(height)
    short, long = PAPER[paper]
    return (long, short) if landscape else (short, long)


def header_box(page_w: float, scale: float = 1.0) -> Box:
    """Return the band at the top of a page for the dashboard's title and its filters."""
    return Box(MARGIN * scale, MARGIN * scale, page_w - 2 * MARGIN * scale, HEADER * scale)


def table_rows_fitting(box_h: float, scale: float = 1.0) -> int:
    """Return how many table rows fit in a tile box, keeping a line for "N more rows"."""
    return max(1, int((box_h - (TABLE_TOP + TABLE_ROW) * scale) // (TABLE_ROW * scale)))


def _columns(style: str, page_w: float, page_h: float) -> int:
    if style == "single_column":
        return 1
    return 3 if page_w > page_h * 1.2 else 2


def plan_pages(
    tiles: list[Tile],
    page_w: float,
    page_h: float,
    style: str = "tiled",
    long_tables: bool = False,
    one_page: bool = False,
    scale: float = 1.0,
) -> list[list[Placement]]:
    """Lay tiles out in a grid, a page at a time; long tables get pages of their own when asked for."""
    margin, gap = MARGIN * scale, GAP * scale
    top = margin + HEADER * scale
    area_w, area_h = page_w - 2 * margin, page_h - top - margin
    columns = _columns(style, page_w, page_h)
    if one_page:
        rows = max(1, math.ceil(len(tiles) / columns))
    else:
        rows = max(1, min(3, int((area_h + gap) // (TILE_MIN_HEIGHT * scale + gap))))
    tile_w = (area_w - gap * (columns - 1)) / columns
    tile_h = (area_h - gap * (rows - 1)) / rows
    pages: list[list[Placement]] = []
    current: list[Placement] = []
    for tile in tiles:
        if long_tables and not one_page and tile.kind == "table":
            if len(tile.rows) > table_rows_fitting(tile_h, scale):
                if current:
                    pages.append(current)
                    current = []
                fit = table_rows_fitting(area_h, scale)
                for start in range(0, len(tile.rows), fit):
                    stop = min(start + fit, len(tile.rows))
                    pages.append([Placement(tile, Box(margin, top, area_w, area_h), start, stop)])
                continue
        if len(current) == columns * rows:
            pages.append(current)
            current = []
        row, column = divmod(len(current), columns)
        box = Box(margin + column * (tile_w + gap), top + row * (tile_h + gap), tile_w, tile_h)
        current.append(Placement(tile, box))
    if current or not pages:
        pages.append(current)
    return pages
