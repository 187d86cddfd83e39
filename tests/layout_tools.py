"""Measuring handouts with the real tools: LaTeX's overfull boxes, Chromium's printed pages and
laid-out elements, the diagram's label boxes. Used by the layout tests and by
benchmarks/bench_layout.py, which prints the same figures for many networks.

Nothing here decides what a handout looks like; it only measures what pdflatex, xelatex and
Chromium make of one.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from symbp.formats.latex import short_display

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: CSS px per inch and pt per inch
PX, PT = 96.0, 72.0
#: how far (pt) printed text may reach past the margin before it counts as out of the page
PRINT_TOLERANCE = 1.0
OVERFULL = re.compile(r"^Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)", re.MULTILINE)
WORD = re.compile(
    r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*)</word>'
)
OVERFULL_VBOX = re.compile(r"^Overfull \\vbox \((\d+(?:\.\d+)?)pt too high\)", re.MULTILINE)


# -- LaTeX -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    returncode: int
    overfull: tuple[float, ...]  # every Overfull \hbox, in pt
    overfull_vbox: tuple[float, ...]
    pages: int
    log: str
    pdf: Path

    @property
    def widest(self) -> float:
        return max(self.overfull, default=0.0)


def compile_latex(tex: Path, engine: str, runs: int = 2) -> Compiled:
    """Compile `tex` in its own directory (twice by default, so that longtable settles its
    column widths) and read the log of the last run."""
    result = None
    for _ in range(runs):
        result = subprocess.run(
            [engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", tex.name],
            cwd=tex.parent,
            capture_output=True,
            timeout=600,
        )
        if result.returncode:
            break
    assert result is not None
    log = tex.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    pdf = tex.with_suffix(".pdf")
    return Compiled(
        result.returncode,
        tuple(float(m) for m in OVERFULL.findall(log)),
        tuple(float(m) for m in OVERFULL_VBOX.findall(log)),
        pdf_pages(pdf) if pdf.exists() and not result.returncode else 0,
        log,
        pdf,
    )


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    found = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    assert found, info
    return int(found.group(1))


@dataclass(frozen=True)
class Word:
    page: int
    page_width: float
    page_height: float
    x_min: float
    y_min: float
    x_max: float
    y_max: float
    text: str


def pdf_words(pdf: Path) -> list[Word]:
    """Every word poppler finds in the PDF, with its box in pt (pdftotext -bbox)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, timeout=120
    ).stdout
    words = []
    page, width, height = 0, 0.0, 0.0
    for line in out.splitlines():
        found = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', line)
        if found:
            page, width, height = page + 1, float(found.group(1)), float(found.group(2))
            continue
        found = WORD.search(line)
        if found:
            x0, y0, x1, y1 = (float(found.group(i)) for i in range(1, 5))
            text = html.unescape(found.group(5))
            words.append(Word(page, width, height, x0, y0, x1, y1, text))
    return words


def pdf_lines(pdf: Path) -> list[tuple[int, float, str]]:
    """(page, top in pt, text) of every line of words, top to bottom on each page: words whose
    tops lie within 2 pt of each other are one line."""
    lines: list[tuple[int, float, list[Word]]] = []
    for word in sorted(pdf_words(pdf), key=lambda w: (w.page, w.y_min, w.x_min)):
        if lines and lines[-1][0] == word.page and abs(lines[-1][1] - word.y_min) <= 2.0:
            lines[-1][2].append(word)
        else:
            lines.append((word.page, word.y_min, [word]))
    return [
        (page, top, " ".join(w.text for w in sorted(words, key=lambda w: w.x_min)))
        for page, top, words in lines
    ]


#: the heading of the answers at a handout's end (content/questions.py), en and zh
ANSWERS = re.compile(r"^(Answers to the questions of section|第\S*节自测题的答案)")


def body_pages(pdf: Path) -> int:
    """The pages up to the last line before the answers' heading (the handout without its
    answers), else every page."""
    lines = pdf_lines(pdf)
    found = [i for i, (_, _, text) in enumerate(lines) if ANSWERS.match(text.strip())]
    if not found:
        return max((page for page, _, _ in lines), default=0)
    before = [page for page, _, text in lines[: found[0]] if not text.strip().isdigit()]
    return max(before, default=0)


@dataclass(frozen=True)
class PrintedAnswers:
    """Where a printed handout's answers are: their heading's (page, top) and the numbers of
    A1., A2., … in the order an upright reader meets them (top to bottom, left to right), each
    with its (page, top, left)."""

    heading: tuple[int, float] | None
    marks: tuple[tuple[int, int, float, float], ...]  # number, page, top, left

    @property
    def numbers(self) -> list[int]:
        return [number for number, _, _, _ in self.marks]

    @property
    def upside_down(self) -> bool:
        """Turned by 180°: read upright, the last answer comes first, and A1. ends a line at
        the right margin, below the others."""
        numbers = self.numbers
        return len(numbers) > 1 and numbers == sorted(numbers, reverse=True)

    @property
    def upright(self) -> bool:
        numbers = self.numbers
        return len(numbers) > 1 and numbers == sorted(numbers)

    @property
    def pages(self) -> set[int]:
        return {page for _, page, _, _ in self.marks}


#: an answer's number as set (LaTeX: poppler reads a turned word in the order it was set) and
#: read right to left (Chromium: poppler gives each turned glyph as a word, A1. as . 1 A)
_MARK = re.compile(r"A(\d+)\.")
_MARK_TURNED = re.compile(r"\.(\d+)A")


def printed_answers(pdf: Path) -> PrintedAnswers:
    """The answers' heading and numbers in a printed handout, from the words' boxes
    (pdftotext -bbox gives a turned word's box where it is printed: a turned paragraph's
    numbers run from the bottom right). Each line is read left to right, glyphs that touch run
    together, so that a number is found whether its glyphs are one word or three."""
    heading = next(
        ((page, top) for page, top, text in pdf_lines(pdf) if ANSWERS.match(text.strip())), None
    )
    if heading is None:
        return PrintedAnswers(None, ())
    rows: list[list[Word]] = []  # words whose tops lie within 2 pt of each other
    after = [w for w in pdf_words(pdf) if (w.page, w.y_min) > heading]
    for word in sorted(after, key=lambda w: (w.page, w.y_min)):
        if rows and rows[-1][0].page == word.page and abs(rows[-1][0].y_min - word.y_min) <= 2:
            rows[-1].append(word)
        else:
            rows.append([word])
    found: list[tuple[int, int, float, float]] = []
    for row in rows:
        text, glyphs, right = "", [], None  # glyphs: each character's (top, left)
        for word in sorted(row, key=lambda w: w.x_min):
            if right is not None and word.x_min - right >= 1.0:
                text, glyphs = text + " ", [*glyphs, (word.y_min, right)]
            step = (word.x_max - word.x_min) / max(len(word.text), 1)
            glyphs += [(word.y_min, word.x_min + i * step) for i in range(len(word.text))]
            text, right = text + word.text, word.x_max
        # each number where its A is printed (the last glyph of a turned one)
        for m in _MARK.finditer(text):
            found.append((int(m.group(1)), row[0].page, *glyphs[m.start()]))
        for m in _MARK_TURNED.finditer(text):
            found.append((int(m.group(1)[::-1]), row[0].page, *glyphs[m.end() - 1]))
    # the numbers' own lines (their tops within 2 pt), each read left to right
    lines: list[list[tuple[int, int, float, float]]] = []
    for mark in sorted(found, key=lambda f: (f[1], f[2])):
        if lines and lines[-1][0][1] == mark[1] and abs(lines[-1][0][2] - mark[2]) <= 2:
            lines[-1].append(mark)
        else:
            lines.append([mark])
    marks = tuple(mark for line in lines for mark in sorted(line, key=lambda f: f[3]))
    return PrintedAnswers(heading, marks)


def stranded_headings(pdf: Path, headings: list[str]) -> list[tuple[int, str]]:
    """Headings set as the last text of a page (its page number aside), with nothing of their
    section after them on that page, and lead-ins (a line ending with a colon) likewise:
    (page, line). `headings` are their plain texts (a lead-in without a colon, "Why δ: the
    paths from w1 to the loss", is passed as one). The last text is the page's last line and
    the pieces of it pdftotext reads as lines of their own (a fraction's numerator, a raised
    δ: within LINE_PIECES pt above it); a heading is matched by its Latin and Chinese letters
    and punctuation (math and digits left out, so that they need not be extracted exactly)."""
    keys = [_letters(h) for h in headings if _letters(h)]
    lines = pdf_lines(pdf)
    pages = max((page for page, _, _ in lines), default=0)
    found = []
    for page in range(1, pages):  # the last page's last heading has nothing to strand it from
        body = [(top, text) for p, top, text in lines if p == page and not text.strip().isdigit()]
        if not body:
            continue
        foot = [text for top, text in body if top >= body[-1][0] - LINE_PIECES]
        for last in foot:
            if last.rstrip().endswith((":", "：")) or any(_is(last, key) for key in keys):
                found.append((page, last))  # a heading, or a lead-in whose display moved on
                break
    return found


#: how far (pt) above a page's last line its pieces may lie (a fraction's numerator, δ)
LINE_PIECES = 10.0
#: the letters that identify a longer heading or lead-in (a line may hold only its start)
KEY_LETTERS = 14
#: what a heading's words keep besides Latin and Chinese letters: its punctuation
_KEPT = set(".,:;!?，。：；！？（）()")


def _letters(text: str) -> str:
    """A line's Latin and Chinese letters and punctuation, in order: what pdftotext reads of
    it the same way whatever the math in it (a math italic w, δ, digits are left out)."""
    return "".join(
        c for c in text if (c.isascii() and c.isalpha()) or "\u4e00" <= c <= "\u9fff" or c in _KEPT
    )


def _is(line: str, key: str) -> bool:
    """Whether a printed line is the heading or lead-in whose letters are `key`: all of them
    for a short one ("Hidden layer 1" is not "Hidden layer: f(z) = …"), the start of a longer
    one."""
    letters = _letters(line)
    if len(key) <= KEY_LETTERS:
        return letters == key
    return letters.startswith(key[:KEY_LETTERS])


# -- Chromium -----------------------------------------------------------------------------------


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(binary: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="symbp-chromium-") as profile:
        return subprocess.run(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )


#: a line as wide as the text, its last word at the right margin: a page that Chromium shrank
#: to fit something too wide shows it short of the margin
RULER = (
    '<div id="symbp-ruler" style="display:flex;justify-content:space-between">'
    "<span>RULERLEFT</span><span>RULERRIGHT</span></div>"
)


@dataclass(frozen=True)
class Printed:
    pages: int
    page_width: float  # pt
    margin: float  # pt
    outside: tuple[Word, ...]  # words reaching past the left or right margin
    shrink: float  # how much Chromium scaled the page down to fit it (1.0: not at all)
    pdf: Path


def print_html(binary: str, page: Path, margin_cm: float = 2.0, ruler: bool = True) -> Printed:
    """Print an HTML page to PDF with Chromium (its @page size and margins) and find every
    word outside the text area; with `ruler`, a copy with a full-width line measures whether
    Chromium shrank the page to make something fit."""
    source = page.read_text(encoding="utf-8")
    printed_page = page
    if ruler:
        printed_page = page.with_name(page.stem + "-ruler.html")
        printed_page.write_text(source.replace("<body>\n", "<body>\n" + RULER, 1), "utf-8")
    pdf = page.with_name(page.stem + "-html.pdf")
    pdf.unlink(missing_ok=True)
    result = chromium(
        binary, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", printed_page.as_uri()
    )
    assert pdf.exists(), result.stderr[-2000:]
    words = pdf_words(pdf)
    margin = margin_cm / 2.54 * PT
    width = words[0].page_width if words else 0.0
    outside = tuple(
        w
        for w in words
        if (w.x_min < margin - PRINT_TOLERANCE or w.x_max > w.page_width - margin + PRINT_TOLERANCE)
        and w.text not in ("RULERLEFT", "RULERRIGHT")  # the ruler ends at the margin itself
    )
    shrink = 1.0
    if ruler:
        left = next(w for w in words if w.text == "RULERLEFT")
        right = next(w for w in words if w.text == "RULERRIGHT")
        shrink = (width - 2 * margin) / max(right.x_max - left.x_min, 1e-9)
    return Printed(pdf_pages(pdf), width, margin, outside, shrink, pdf)


#: Test-only: appended to a copy of a handout, it applies the page's print style on screen and
#: measures, for every displayed equation, table, figure and inline formula, how far it reaches
#: past the text column; and, for every diagram, the boxes of its labels and units.
MEASURE = """<script>
(() => {
  for (const sheet of document.styleSheets) {
    for (const rule of [...sheet.cssRules]) {
      if (rule.media && [...rule.media].includes("print")) {
        for (const inner of rule.cssRules) sheet.insertRule(inner.cssText, sheet.cssRules.length);
      }
    }
  }
  document.body.offsetWidth;
  const column = document.body.getBoundingClientRect();
  const over = e => {
    const r = e.getBoundingClientRect();
    return Math.max(r.right - column.right, column.left - r.left);
  };
  const kind = e => e.matches('math[display="block"]') ? "display" :
                    e.tagName.toLowerCase() === "math" ? "inline" : e.tagName.toLowerCase();
  const elements = [...document.querySelectorAll('math, table, figure, svg, pre')];
  const report = {
    column: column.width,
    overflow: elements.map(e => ({kind: kind(e), over: over(e),
                                   text: e.textContent.slice(0, 80)})).filter(e => e.over > 0.5),
    counts: {display: document.querySelectorAll('math[display="block"]').length,
             inline: document.querySelectorAll('math:not([display="block"])').length,
             table: document.querySelectorAll('table').length},
    diagrams: [...document.querySelectorAll('figure svg')].map(svg => ({
      labels: [...svg.querySelectorAll('text.label')].map(t => {
        const b = t.getBBox(); return [b.x, b.y, b.width, b.height, t.textContent]; }),
      units: [...svg.querySelectorAll('circle')].map(c =>
        [c.cx.baseVal.value, c.cy.baseVal.value, c.r.baseVal.value]),
      rendered: svg.getBoundingClientRect().width,
      viewBox: svg.viewBox.baseVal.width,
    })),
  };
  const out = document.createElement("pre");
  out.id = "symbp-measure";
  out.textContent = JSON.stringify(report);
  document.body.appendChild(out);
})();
</script>
"""


@dataclass(frozen=True)
class LaidOut:
    column: float
    overflow: tuple[dict[str, object], ...]  # elements reaching past the column, by how much
    counts: dict[str, int]
    diagrams: tuple[dict[str, object], ...]

    def clipped(self, kind: str | None = None) -> list[dict[str, object]]:
        return [e for e in self.overflow if kind is None or e["kind"] == kind]


def lay_out(binary: str, page: Path, width_px: int) -> LaidOut:
    """The page laid out by Chromium in its print style, in a column `width_px` wide."""
    probe = page.with_name(page.stem + "-probe.html")
    source = page.read_text(encoding="utf-8")
    probe.write_text(source.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    result = chromium(
        binary, "--hide-scrollbars", f"--window-size={width_px},1200", "--dump-dom", probe.as_uri()
    )
    found = re.search(r'<pre id="symbp-measure">(.*?)</pre>', result.stdout, re.DOTALL)
    assert found, result.stderr[-2000:]
    report = json.loads(html.unescape(found.group(1)))
    return LaidOut(
        report["column"],
        tuple(report["overflow"]),
        report["counts"],
        tuple(report["diagrams"]),
    )


def text_width_px(paper_width_cm: float, margin_cm: float = 2.0) -> int:
    return round((paper_width_cm - 2 * margin_cm) / 2.54 * PX)


# -- geometry -----------------------------------------------------------------------------------

Box = tuple[float, float, float, float]  # x, y, width, height


def boxes_overlap(a: Box, b: Box, gap: float = 0.0) -> bool:
    """Whether two boxes come closer than `gap`; a negative gap lets them overlap that much
    (the words of one label touch: a subscript's box starts where its letter's ends)."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw + gap and bx < ax + aw + gap and ay < by + bh + gap and by < ay + ah + gap


def box_meets_circle(box: Box, circle: tuple[float, float, float]) -> bool:
    x, y, w, h = box
    cx, cy, r = circle
    nearest_x = min(max(cx, x), x + w)
    nearest_y = min(max(cy, y), y + h)
    return (nearest_x - cx) ** 2 + (nearest_y - cy) ** 2 < r * r


def overlaps(
    boxes: Sequence[Box], circles: Sequence[tuple[float, float, float]] = (), gap: float = 0.0
) -> int:
    """How many pairs of boxes overlap (closer than `gap`), plus how many boxes touch a
    circle."""
    count = sum(
        boxes_overlap(boxes[i], boxes[j], gap)
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
    )
    return count + sum(box_meets_circle(b, c) for b in boxes for c in circles)


# -- diagram labels against the edges ----------------------------------------------------------

Segment = tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass(frozen=True)
class DrawnLabel:
    """A label as drawn: its anchor (the box's centre), its box, its text, its colour."""

    x: float
    y: float
    box: Box
    text: str
    colour: str


def point_segment_distance(x: float, y: float, segment: Segment) -> float:
    x0, y0, x1, y1 = segment
    dx, dy = x1 - x0, y1 - y0
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((x - x0) * dx + (y - y0) * dy) / length))
    return float(((x - x0 - t * dx) ** 2 + (y - y0 - t * dy) ** 2) ** 0.5)


def crossings(segments: Sequence[Segment]) -> list[tuple[float, float]]:
    """Where two segments cross strictly inside both (not at a shared unit)."""
    found = []
    for i, (ax, ay, bx, by) in enumerate(segments):
        for cx, cy, dx, dy in segments[i + 1 :]:
            denominator = (bx - ax) * (dy - cy) - (by - ay) * (dx - cx)
            if abs(denominator) < 1e-12:
                continue
            t = ((cx - ax) * (dy - cy) - (cy - ay) * (dx - cx)) / denominator
            u = ((cx - ax) * (by - ay) - (cy - ay) * (bx - ax)) / denominator
            if 1e-6 < t < 1 - 1e-6 and 1e-6 < u < 1 - 1e-6:
                found.append((ax + t * (bx - ax), ay + t * (by - ay)))
    return found


def segment_meets_box(segment: Segment, box: Box) -> bool:
    """Whether a segment passes through a box (Liang–Barsky clipping)."""
    x0, y0, x1, y1 = segment
    bx, by, bw, bh = box
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for p, q in ((-dx, x0 - bx), (dx, bx + bw - x0), (-dy, y0 - by), (dy, by + bh - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        if p < 0:
            low = max(low, r)
        else:
            high = min(high, r)
        if low > high:
            return False
    return True


def label_faults(
    labels: Sequence[DrawnLabel],
    owners: Sequence[int | None],
    segments: Sequence[Segment],
    crossing_radius: float,
    core: float = 0.0,
) -> list[str]:
    """What is wrong with where the labels sit: for a weight's label (`owners[i]` the index of
    its edge in `segments`), its anchor not strictly nearest its own edge, another edge through
    its box, or an edge crossing within `crossing_radius` of its anchor; for a bias's label
    (owner None), any edge through its box. `core`: the fraction of a box's width at each end
    that another edge may clip (hidden under the box's end, away from the name)."""
    faults = []
    points = crossings(segments)
    for label, owner in zip(labels, owners, strict=True):
        others = [s for i, s in enumerate(segments) if i != owner]
        if owner is not None:
            own = point_segment_distance(label.x, label.y, segments[owner])
            nearest = min((point_segment_distance(label.x, label.y, s) for s in others),
                          default=float("inf"))  # fmt: skip
            if not own < nearest:
                faults.append(f"{label.text}: {own:.1f} from its edge, {nearest:.1f} from another")
            for x, y in points:
                if ((x - label.x) ** 2 + (y - label.y) ** 2) ** 0.5 < crossing_radius:
                    faults.append(f"{label.text}: a crossing at ({x:.0f}, {y:.0f})")
        x, y, w, h = label.box
        middle = (x + core * w, y, w - 2 * core * w, h)
        through = [s for s in others if segment_meets_box(s, middle)]
        if through:
            faults.append(f"{label.text}: {len(through)} other edge(s) through its box")
    return faults


def svg_geometry(svg: str) -> tuple[list[DrawnLabel], list[Segment]]:
    """The labels and edges of a diagram's SVG, in its own coordinates."""
    number = r"(-?[\d.]+)"
    segments = [
        (float(a), float(b), float(c), float(d))
        for a, b, c, d in re.findall(
            rf'<line x1="{number}" y1="{number}" x2="{number}" y2="{number}"', svg
        )
    ]
    labels = []
    found = re.findall(
        rf'<rect x="{number}" y="{number}" width="{number}" height="{number}"[^>]*'
        rf'stroke="(#[0-9a-f]+)"[^>]*/>\n<text class="label"[^>]*>(.*?)</text>',
        svg,
    )
    for x, y, w, h, colour, text in found:
        box = (float(x), float(y), float(w), float(h))
        plain = html.unescape(re.sub(r"<[^>]+>", "", text))
        labels.append(DrawnLabel(box[0] + box[2] / 2, box[1] + box[3] / 2, box, plain, colour))
    return labels, segments


def tikz_geometry(tikz: str) -> tuple[list[DrawnLabel], list[Segment]]:
    """The labels and edges of a diagram's TikZ picture, in its own coordinates (y down), the
    label boxes from their minimum sizes divided by the picture's scale."""
    scale = float(re.search(r"x=([\d.]+)cm", tikz).group(1))  # type: ignore[union-attr]
    units = {
        key: (float(x), float(y))
        for key, x, y in re.findall(r"\((\w+)\) at \((-?[\d.]+),(-?[\d.]+)\)", tikz)
    }
    segments = []
    for source, target in re.findall(r"\\draw\[[^\]]*\] \((\w+)\) -- \((\w+)\);", tikz):
        segments.append((*units[source], *units[target]))
    labels = []
    for line in tikz.splitlines():
        found = re.search(
            r"draw=\{rgb,255:red,(\d+);green,(\d+);blue,(\d+)\}.*minimum width=([\d.]+)cm,"
            r"minimum height=([\d.]+)cm.*\] at \((-?[\d.]+),(-?[\d.]+)\) \{(.*)\};",
            line,
        )
        if found:
            r, g, b = (int(found.group(i)) for i in (1, 2, 3))
            w, h = float(found.group(4)) / scale, float(found.group(5)) / scale
            x, y = float(found.group(6)), float(found.group(7))
            colour = f"#{r:02x}{g:02x}{b:02x}"
            labels.append(DrawnLabel(x, y, (x - w / 2, y - h / 2, w, h), found.group(8), colour))
    return labels, segments


# -- displays across pages ----------------------------------------------------------------------

#: written to the log at shipout by every marked line of a display: its display, row, whether
#: the display is short (formats.latex.short_display: never to break) and page
MARK = re.compile(r"SYMBPMARK (\d+)\.(\d+)\.(\d+) (\d+)")
MARK_MACRO = r"\def\symbpmark#1{\write-1{SYMBPMARK #1 \thepage}}"


def marked_latex(source: str) -> str:
    """A copy of a LaTeX handout whose every line of every align* display writes (display, row,
    short, page) to the log when its page ships out: a continuation line (one starting with `&`,
    its left column empty) belongs to the row above it; `short` is 1 for a display the rule
    (formats.latex.short_display) says never breaks, judged from its lines."""
    count = 0

    def mark(found: re.Match[str]) -> str:
        nonlocal count
        count += 1
        row = 0
        pieces = re.split(r"( \\\\\*?\n)", found.group(2))  # lines and their breaks
        short = int(short_display(pieces[::2]))  # judged by the rule, whatever its breaks say
        for i in range(0, len(pieces), 2):
            if not pieces[i].lstrip().startswith("&"):
                row += 1
            pieces[i] = pieces[i].rstrip() + rf" \symbpmark{{{count}.{row}.{short}}}"
        return found.group(1) + "".join(pieces) + found.group(3)

    body = re.sub(r"(\\begin\{align\*\}\n)(.*?)(\n\\end\{align\*\})", mark, source, flags=re.S)
    return body.replace(r"\begin{document}", MARK_MACRO + "\n" + r"\begin{document}", 1)


def displays_across_pages(log: str) -> list[tuple[int, int, tuple[int, ...]]]:
    """(display, row, pages) of every row of a display whose lines a marked copy's log puts on
    more than one page (one equation split by a page break), and (display, 0, pages) of every
    short display (formats.latex.short_display) on more than one page: a reader sees one display
    split, whichever equations the break falls between."""
    rows: dict[tuple[int, int], set[int]] = {}
    short: set[int] = set()
    for display, row, is_short, page in MARK.findall(log):
        rows.setdefault((int(display), int(row)), set()).add(int(page))
        if is_short == "1":
            short.add(int(display))
    return _split(rows, short)


def _split(
    rows: dict[tuple[int, int], set[int]], short: set[int]
) -> list[tuple[int, int, tuple[int, ...]]]:
    """Rows on more than one page, and short displays on more than one page (row 0)."""
    found = [(d, r, tuple(sorted(p))) for (d, r), p in sorted(rows.items()) if len(p) > 1]
    for display in sorted(short):
        pages: set[int] = set().union(*(p for (d, _), p in rows.items() if d == display))
        if len(pages) > 1:
            found.append((display, 0, tuple(sorted(pages))))
    return sorted(found)


def latex_split_displays(
    tex: Path, engine: str
) -> tuple[Compiled, list[tuple[int, int, tuple[int, ...]]]]:
    """Compile a marked copy of `tex` beside it and find its equations split across pages."""
    marked = tex.with_name(tex.stem + "-marked.tex")
    marked.write_text(marked_latex(tex.read_text(encoding="utf-8")), encoding="utf-8")
    compiled = compile_latex(marked, engine)
    return compiled, displays_across_pages(compiled.log)


#: a marker's word in a printed page: display, row, whether the display is short (1)
HTML_MARK = re.compile(r"SYMBPMARK(\d+)x(\d+)x(\d+)x")


def marked_html(source: str) -> str:
    """A copy of an HTML handout whose every line (mtr) of every displayed equation ends in a
    tiny word naming its display and row and whether the display is short (never to break, by
    formats.latex.short_display), found by pdftotext in the printed PDF: a line whose first
    cell is empty continues the row above it."""
    count = 0

    def mark_display(found: re.Match[str]) -> str:
        nonlocal count
        count += 1
        row = 0
        pieces = re.split(r"(?=<mtr>)", found.group(0))
        # short by the LaTeX rule, a line with a built-up fraction (mfrac) counted as tall
        tall = ["\\frac" if "<mfrac" in line else "" for line in pieces if line.startswith("<mtr>")]
        short = int(short_display(tall))
        rows = []
        for line in pieces:
            if line.startswith("<mtr>"):
                if not line.startswith('<mtr><mtd columnalign="right" />'):
                    row += 1
                marker = (
                    f'<mtext style="font-size:3px">SYMBPMARK{count}x{row}x{short}x</mtext>'
                    "</mtd></mtr>"
                )
                line = line.replace("</mtd></mtr>", marker, 1)
            rows.append(line)
        return "".join(rows)

    return re.sub(r'<math [^>]*display="block".*?</math>', mark_display, source, flags=re.S)


def html_split_displays(
    binary: str, page: Path
) -> tuple[Printed, list[tuple[int, int, tuple[int, ...]]]]:
    """Print a marked copy of an HTML handout with Chromium and find its equations split
    across pages: (display, row, pages)."""
    marked = page.with_name(page.stem + "-marked.html")
    marked.write_text(marked_html(page.read_text(encoding="utf-8")), encoding="utf-8")
    printed = print_html(binary, marked, ruler=False)
    rows: dict[tuple[int, int], set[int]] = {}
    short: set[int] = set()
    for word in pdf_words(printed.pdf):
        for display, row, is_short in HTML_MARK.findall(word.text):
            rows.setdefault((int(display), int(row)), set()).add(word.page)
            if is_short == "1":
                short.add(int(display))
    return printed, _split(rows, short)
