"""Cutting a stream of tokens into lines no wider than a budget, whatever prints them.

A formula, printed, is a stream of tokens: unbreakable pieces, the gaps between terms and
factors where a line may end, and brackets. `fill` cuts the stream into lines, preferring the
outermost gap: a sum breaks between its terms before a product breaks between its factors, and
both before anything inside brackets. A line that starts at a gap starts with that gap's
operator. The widths are whatever the caller measures in: em for LaTeX (formats/breaking.py
makes its tokens), columns for a terminal (formats/text.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: a line broken at a deeper gap than the best one must still be this full
MIN_FILL = 0.3


@dataclass(frozen=True)
class Piece:
    """Unbreakable LaTeX and its width."""

    text: str
    width: float


@dataclass(frozen=True)
class Gap:
    """Where a line may end: `inline` when it does not; else the line ends with `trail` and the
    next starts with `lead`. `rank` orders the preference (lower breaks first)."""

    inline: str
    width: float
    lead: str
    lead_width: float
    rank: int
    trail: str = ""


@dataclass(frozen=True)
class Open:
    width: float


@dataclass(frozen=True)
class Close:
    width: float


Token = Piece | Gap | Open | Close

#: gap ranks: a sum's terms, then a product's factors, then a function's arguments; each
#: bracket level adds DEPTH
TERM, FACTOR, ARGUMENT, DEPTH = 0, 1, 2, 3


def width(tokens: Sequence[Token]) -> float:
    return sum(t.width for t in tokens)


def plain(line: Sequence[Token]) -> str:
    """One line's text: pieces and gaps as written, brackets as ( and )."""
    pieces = []
    for token in line:
        if isinstance(token, Piece):
            pieces.append(token.text)
        elif isinstance(token, Gap):
            pieces.append(token.inline)
        else:
            pieces.append("(" if isinstance(token, Open) else ")")
    return "".join(pieces)


def fill(
    tokens: Sequence[Token],
    first: float,
    rest: float,
    spell: Callable[[list[Token]], str] = plain,
) -> list[str]:
    """The tokens cut into lines: the first at most `first` em wide, the others `rest` em.

    Lines after the first start with the operator of the gap they were cut at. A piece wider
    than a whole line stays whole (that line overflows; nothing else can be done with it).
    """
    segments: list[list[Token]] = [[]]
    gaps: list[Gap] = []
    for token in tokens:
        if isinstance(token, Gap):
            gaps.append(token)
            segments.append([])
        else:
            segments[-1].append(token)
    widths = [width(segment) for segment in segments]
    lines: list[tuple[int, int]] = []
    start = 0
    while start < len(segments):
        budget = first if not lines else rest
        used = widths[start] + (gaps[start - 1].lead_width if start else 0.0)
        fits = [(start + 1, used)]  # (end, width of segments[start:end]); one always "fits"
        end = start + 1
        while end < len(segments):
            used += gaps[end - 1].width + widths[end]
            if used + _trail_width(gaps, end + 1, len(segments)) > budget:
                break
            end += 1
            fits.append((end, used))
        if fits[-1][0] == len(segments):
            lines.append((start, len(segments)))
            break
        lines.append((start, _best_break(fits, gaps, budget)))
        start = lines[-1][1]
    texts = []
    for start, end in lines:
        line: list[Token] = []
        if start:
            line.append(Piece(gaps[start - 1].lead, 0.0))
        for index in range(start, end):
            if index > start:
                line.append(gaps[index - 1])
            line += segments[index]
        if end < len(segments) and gaps[end - 1].trail:
            line.append(Piece(gaps[end - 1].trail, 0.0))
        texts.append(spell(line))
    return texts


def _trail_width(gaps: Sequence[Gap], end: int, count: int) -> float:
    """What a line that ends before segment `end` adds at its end (a comma)."""
    return 0.3 if end < count and gaps[end - 1].trail else 0.0


def _best_break(fits: list[tuple[int, float]], gaps: Sequence[Gap], budget: float) -> int:
    """Where to end a line among the ends that fit: at the outermost kind of gap, as late as
    possible, unless that leaves the line too empty; then as late as possible."""
    latest = fits[-1][0]
    full_enough = [(end, used) for end, used in fits if used >= MIN_FILL * budget]
    if not full_enough:
        return latest
    best_rank = min(gaps[end - 1].rank for end, _ in full_enough)
    return max(end for end, _ in full_enough if gaps[end - 1].rank == best_rank)
