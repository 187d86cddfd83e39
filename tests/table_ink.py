"""Whether a table's rows touch, measured on the rendered page's pixels.

pdftotext's word boxes do not see it: a stacked fraction (∂L/∂w set as \\frac) reaches above
and below the box poppler gives its word, so two rows 6 pt apart can overlap in ink while
their boxes do not. Here the page is rendered (pdftoppm, grey), each body row of the table is
found by the words of one of its right-aligned columns, and between two consecutive rows there
must be at least one pixel line with no ink across the table's width.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from .layout_tools import PT, Word, pdf_words

#: rendering resolution: a pixel line is 0.36 pt, finer than any gap between two rows of text
DPI = 200
#: a pixel darker than this (0 black, 255 white) is ink
INK = 160


@dataclass(frozen=True)
class Grey:
    """One rendered page: width × height bytes, 0 black to 255 white."""

    width: int
    height: int
    pixels: bytes

    def ink(self, x: int, y: int) -> bool:
        return self.pixels[y * self.width + x] < INK


def render_page(pdf: Path, page: int, dpi: int = DPI) -> Grey:
    """Page `page` (from 1) of `pdf` as grey pixels (pdftoppm's binary PGM)."""
    data = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-gray", str(pdf)],
        capture_output=True,
        timeout=120,
        check=True,
    ).stdout
    fields: list[bytes] = []
    position = 0
    while len(fields) < 4:  # P5, width, height, maximum value, each after whitespace
        while data[position : position + 1].isspace():
            position += 1
        start = position
        while not data[position : position + 1].isspace():
            position += 1
        fields.append(data[start:position])
    assert fields[0] == b"P5", fields
    width, height = int(fields[1]), int(fields[2])
    pixels = data[position + 1 : position + 1 + width * height]
    return Grey(width, height, pixels)


@dataclass(frozen=True)
class TableRows:
    page: int
    left: float  # pt: the table's left and right ends (its header's words)
    right: float
    rows: tuple[Word, ...]  # one word per body row, top to bottom


def table_rows(pdf: Path, first: str, last: str) -> list[TableRows]:
    """Every table whose header line starts with the word `first` and ends with `last` (a
    right-aligned column's header): its rows are the words right-aligned under `last`, down to
    the first gap of more than two rows' height."""
    words = pdf_words(pdf)
    found = []
    for head in words:
        if head.text != last:
            continue
        line = [w for w in words if w.page == head.page and abs(w.y_min - head.y_min) < 1.0]
        starts = [w for w in line if w.text == first and w.x_min < head.x_min]
        if not starts:
            continue
        column = sorted(
            (
                w
                for w in words
                if w.page == head.page and w.y_min > head.y_max and abs(w.x_max - head.x_max) < 1.0
            ),
            key=lambda w: w.y_min,
        )
        rows: list[Word] = []
        for word in column:
            height = word.y_max - word.y_min
            if rows and word.y_min - rows[-1].y_max > 2 * height:
                break
            rows.append(word)
        found.append(TableRows(head.page, min(w.x_min for w in starts), head.x_max, tuple(rows)))
    return found


def touching_rows(pdf: Path, table: TableRows, dpi: int = DPI) -> list[tuple[str, str]]:
    """The pairs of consecutive rows (their words) with ink on every pixel line between the
    middles of the two rows, across the table's width; a vertical rule (a pixel column inked
    from the first row to the last, as between a folded table's groups) is not counted."""
    grey = render_page(pdf, table.page, dpi)
    scale = dpi / PT
    x0, x1 = max(int(table.left * scale) - 2, 0), min(int(table.right * scale) + 2, grey.width)
    middles = [int((w.y_min + w.y_max) / 2 * scale) for w in table.rows]
    if len(middles) < 2:
        return []
    span = range(middles[0], middles[-1] + 1)
    columns = [x for x in range(x0, x1) if not all(grey.ink(x, y) for y in span)]
    touching = []
    for index, (top, bottom) in enumerate(zip(middles, middles[1:], strict=False)):
        if all(any(grey.ink(x, y) for x in columns) for y in range(top, bottom + 1)):
            touching.append((table.rows[index].text, table.rows[index + 1].text))
    return touching
