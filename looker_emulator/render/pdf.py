"""The PDF back end: a canvas over fpdf2, and the dashboard document, so PDFs carry real, searchable text."""

from __future__ import annotations

from fpdf import FPDF

from .charts import INK, RGB, draw_header, draw_tile, plain
from .layout import Box, header_box, plan_pages
from .model import Board


class PdfCanvas:
    """Draw on the current page of an fpdf2 document, in points from the top-left corner."""

    def __init__(self, pdf: FPDF):
        self.pdf = pdf

    def _font(self, size: float, bold: bool) -> None:
        self.pdf.set_font("helvetica", "B" if bold else "", size)

    def rect(self, box: Box, fill: RGB | None = None, outline: RGB | None = None) -> None:
        """Draw a rectangle, filled, outlined or both."""
        if box.w <= 0 or box.h <= 0:
            return
        if fill:
            self.pdf.set_fill_color(*fill)
        if outline:
            self.pdf.set_draw_color(*outline)
            self.pdf.set_line_width(0.6)
        style = ("F" if fill else "") + ("D" if outline else "")
        self.pdf.rect(box.x, box.y, box.w, box.h, style="DF" if style == "FD" else style)

    def polygon(self, points: list[tuple[float, float]], fill: RGB) -> None:
        """Fill a closed shape."""
        self.pdf.set_fill_color(*fill)
        self.pdf.polygon(points, style="F")

    def polyline(self, points: list[tuple[float, float]], color: RGB, width: float) -> None:
        """Stroke a line through the points."""
        self.pdf.set_draw_color(*color)
        self.pdf.set_line_width(width)
        self.pdf.polyline(points)

    def text(self, x: float, y: float, s: str, size: float, color: RGB = INK, bold: bool = False) -> None:
        """Write one line of text whose top is at y."""
        self._font(size, bold)
        self.pdf.set_text_color(*color)
        self.pdf.text(x, y + size * 0.8, plain(s))

    def text_width(self, s: str, size: float, bold: bool = False) -> float:
        """Return how wide a line of text is."""
        self._font(size, bold)
        return self.pdf.get_string_width(plain(s))


def dashboard_pdf(board: Board, page_w: float, page_h: float, style: str, long_tables: bool) -> bytes:
    """Return the dashboard as a PDF: a header on every page, then its tiles a grid at a time."""
    pdf = FPDF(unit="pt", format=(page_w, page_h))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_title(plain(board.title))
    pdf.set_creator("Looker emulator")
    canvas = PdfCanvas(pdf)
    pages = plan_pages(board.tiles, page_w, page_h, style, long_tables)
    for number, placements in enumerate(pages, start=1):
        pdf.add_page()
        label = f"Page {number} of {len(pages)}" if len(pages) > 1 else ""
        draw_header(canvas, board.title, board.filters, header_box(page_w), label)
        for placement in placements:
            draw_tile(canvas, placement)
    return bytes(pdf.output())
