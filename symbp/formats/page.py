"""The printed page every paged format shares: paper, margins, type size, and the width that
displayed math and tables may fill.

LaTeX documents and the print style of HTML pages use the same paper, the same 2 cm margins and
the same 11 pt type, so one budget in em (formats/metrics.py measures formulas in em) holds for
both.
"""

from __future__ import annotations

from dataclasses import dataclass

from symbp.errors import SymbpError

MARGIN_CM = 2.0
FONT_PT = 11.0
#: the em of 11 pt Computer Modern (LaTeX's 11pt option sets 10.95 pt)
EM_PT = 10.95
PT_PER_CM = 72.27 / 2.54
#: the share of the text width that formulas may fill by the width model: room for its errors
#: (tests/test_layout.py finds it within −2 % … +9 % of pdflatex)
FILL = 0.9


@dataclass(frozen=True)
class Paper:
    name: str
    width_cm: float
    height_cm: float
    latex: str  # the geometry option
    css: str  # the @page size

    @property
    def text_width_em(self) -> float:
        """The text width (paper less both margins) in em of the body type."""
        return (self.width_cm - 2 * MARGIN_CM) * PT_PER_CM / EM_PT

    @property
    def text_height_em(self) -> float:
        return (self.height_cm - 2 * MARGIN_CM) * PT_PER_CM / EM_PT

    @property
    def math_width(self) -> float:
        """The width in em that a line of displayed math may take by the width model."""
        return FILL * self.text_width_em


PAPERS = {
    "a4": Paper("a4", 21.0, 29.7, "a4paper", "A4"),
    "letter": Paper("letter", 21.59, 27.94, "letterpaper", "letter"),
}
DEFAULT_PAPER = "a4"


def paper(name: str = DEFAULT_PAPER) -> Paper:
    if name not in PAPERS:
        raise SymbpError(f"unknown paper {name!r} (known: {', '.join(PAPERS)})")
    return PAPERS[name]
