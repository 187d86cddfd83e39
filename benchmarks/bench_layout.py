"""Handout layout, measured with the real tools: `python3 benchmarks/bench_layout.py`.

For every example spec (examples/ and examples/networks/) and for course-sized networks
([3, 4, 2], [2, 3, 3] with softmax and cross-entropy, [4, 5, 5, 3], [8, 8, 8], [16, 16, 16]), in
both languages, the script builds the default handout in all three formats (.html, .tex, .md),
then

- compiles the .tex (pdflatex for English, xelatex for Chinese, twice each) and reads the log:
  the widest overfull box, in pt (target: none over 1 pt);
- prints the .html with headless Chromium (--print-to-pdf, the page's own A4 @page) and lays it
  out in its print style: equations, inline formulas, tables and figures reaching past the text
  column ("clipped", target 0), words past the printed margins and whether Chromium had to
  shrink the page to fit something (a full-width ruler line measures it);
- measures the diagram's labels: in the SVG by Chromium's getBBox (label boxes overlapping each
  other or a unit), in the TikZ picture by the word boxes pdftotext finds in it compiled alone;
- counts printed pages (target: the [4, 5, 5, 3] default at most 6 A4 pages, in every format).

Figures are printed, never asserted (the tests assert them for a course-sized net). About ten
minutes on 2 cores; --nets and --langs choose fewer.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.layout_tools import (  # noqa: E402
    chromium_binary,
    compile_latex,
    lay_out,
    overlaps,
    pdf_words,
    print_html,
    text_width_px,
)

#: the networks of issue 12, seeded so that every run measures the same handouts
NETS: dict[str, dict[str, Any]] = {
    "[3, 4, 2]": {"layers": [3, 4, 2]},
    "[2, 3, 3] softmax": {
        "layers": [2, 3, 3],
        "activation": ["sigmoid", "softmax"],
        "loss": "cross_entropy",
        "targets": 1,
    },
    "[4, 5, 5, 3]": {"layers": [4, 5, 5, 3]},
    "[8, 8, 8]": {"layers": [8, 8, 8]},
    "[16, 16, 16]": {"layers": [16, 16, 16]},
}
PAGES_TARGET = {"[4, 5, 5, 3]": 6}


def _mapping(name: str, extra: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    layers = extra["layers"]
    rng = np.random.default_rng(sum(layers) * 100 + len(layers))
    data: dict[str, Any] = {
        "title": f"Network {name}",
        "activation": "sigmoid",
        "loss": "half_sse",
        "inputs": [round(float(v), 2) for v in rng.uniform(-1, 1, layers[0])],
        "targets": [round(float(v), 2) for v in rng.uniform(0, 1, layers[-1])],
        "weights": {"random": "uniform", "seed": 7},
    }
    data.update(extra)
    return data


def problems() -> list[tuple[str, Any]]:
    import symbp
    from symbp.core.spec import spec_from_mapping

    specs = sorted((ROOT / "examples").glob("*.toml")) + sorted(
        (ROOT / "examples" / "networks").glob("*.toml")
    )
    found = [(path.stem, symbp.problem(path)) for path in specs]
    for name, extra in NETS.items():
        found.append((name, symbp.problem(spec_from_mapping(_mapping(name, extra)))))
    return found


def tikz_overlaps(problem: Any, directory: Path) -> int:
    """Overlapping word boxes in the diagram's TikZ picture, compiled on its own."""
    from symbp.content.blocks import Diagram
    from symbp.content.handout import labelled_pairs
    from symbp.content.names import Names
    from symbp.formats.diagram import tikz

    network = problem.network
    picture = tikz(Diagram(Names(network), labelled=labelled_pairs(network)))
    tex = directory / "diagram.tex"
    tex.write_text(
        "\\documentclass[11pt]{article}\n\\usepackage{fix-cm}\n"
        "\\usepackage[a4paper,margin=2cm]{geometry}\n\\usepackage{amsmath,tikz}\n"
        "\\pagestyle{empty}\n\\begin{document}\n" + picture + "\n\\end{document}\n",
        encoding="utf-8",
    )
    compiled = compile_latex(tex, "pdflatex", runs=1)
    assert compiled.returncode == 0, compiled.log[-2000:]
    words = pdf_words(compiled.pdf)
    boxes = [(w.x_min, w.y_min, w.x_max - w.x_min, w.y_max - w.y_min) for w in words]
    return overlaps(boxes, gap=-0.5)  # a label's own words touch (w and its subscript 1)


def svg_overlaps(diagrams: tuple[dict[str, Any], ...]) -> int:
    count = 0
    for diagram in diagrams:
        boxes = [tuple(label[:4]) for label in diagram["labels"]]
        circles = [tuple(unit) for unit in diagram["units"]]
        count += overlaps(boxes, circles)  # type: ignore[arg-type]
    return count


def measure(name: str, problem: Any, lang: str, browser: str, directory: Path) -> dict[str, Any]:
    started = time.perf_counter()
    handout = problem.handout(lang=lang, check=False)
    row: dict[str, Any] = {"net": name, "lang": lang, "weights": len(problem.weights)}
    stem = directory / f"handout-{lang}"
    for suffix in (".html", ".tex", ".md"):
        handout.write(stem.with_suffix(suffix))
    compiled = compile_latex(stem.with_suffix(".tex"), "xelatex" if lang == "zh" else "pdflatex")
    row["tex ok"] = compiled.returncode == 0
    row["overfull"] = len(compiled.overfull)
    row["widest pt"] = compiled.widest
    row["tex pages"] = compiled.pages
    page = stem.with_suffix(".html")
    laid = lay_out(browser, page, text_width_px(21.0))
    row["clipped eq"] = len(laid.clipped("display"))
    row["clipped inline"] = len(laid.clipped("inline"))
    row["clipped other"] = len(laid.overflow) - row["clipped eq"] - row["clipped inline"]
    row["svg overlaps"] = svg_overlaps(laid.diagrams)
    ruled = print_html(browser, page)
    row["print outside"] = len(ruled.outside)
    row["shrink"] = ruled.shrink
    row["html pages"] = print_html(browser, page, ruler=False).pages
    row["md bytes"] = stem.with_suffix(".md").stat().st_size
    row["seconds"] = time.perf_counter() - started
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", nargs="*", help="names to measure (default: all)")
    parser.add_argument("--langs", nargs="*", default=["en", "zh"])
    args = parser.parse_args(argv)
    browser = chromium_binary()
    if browser is None:
        sys.stderr.write("bench_layout: Chromium is needed (chromium on the PATH)\n")
        return 2
    rows = []
    with tempfile.TemporaryDirectory(prefix="symbp-layout-") as tmp:
        for name, problem in problems():
            if args.nets and name not in args.nets:
                continue
            tikz = tikz_overlaps(problem, Path(tmp))
            for lang in args.langs:
                directory = Path(tmp) / f"{name}-{lang}".replace(" ", "").replace(",", "_")
                directory.mkdir()
                row = measure(name, problem, lang, browser, directory)
                row["tikz overlaps"] = tikz
                rows.append(row)
                print(_line(row), flush=True)
    print()
    print(_summary(rows))
    return 0


COLUMNS = (
    ("net", "{:<22}"),
    ("lang", "{:<4}"),
    ("weights", "{:>7}"),
    ("overfull", "{:>8}"),
    ("widest pt", "{:>9.1f}"),
    ("clipped eq", "{:>10}"),
    ("clipped inline", "{:>14}"),
    ("clipped other", "{:>13}"),
    ("print outside", "{:>13}"),
    ("shrink", "{:>6.3f}"),
    ("svg overlaps", "{:>12}"),
    ("tikz overlaps", "{:>13}"),
    ("tex pages", "{:>9}"),
    ("html pages", "{:>10}"),
    ("seconds", "{:>7.1f}"),
)


def _line(row: dict[str, Any]) -> str:
    return "  ".join(fmt.format(row[key]) for key, fmt in COLUMNS)


def _summary(rows: list[dict[str, Any]]) -> str:
    header = "  ".join(
        fmt.replace(".1f", "").replace(".3f", "").format(key) for key, fmt in COLUMNS
    )
    lines = [header, *(_line(row) for row in rows)]
    widest = max((row["widest pt"] for row in rows), default=0.0)
    clipped = sum(row["clipped eq"] for row in rows)
    inline = sum(row["clipped inline"] + row["clipped other"] for row in rows)
    outside = sum(row["print outside"] for row in rows)
    shrunk = sum(row["shrink"] > 1.005 for row in rows)
    labels = sum(row["svg overlaps"] + row["tikz overlaps"] for row in rows)
    failed = [f"{row['net']} {row['lang']}" for row in rows if not row["tex ok"]]
    lines += [
        "",
        f"widest overfull box: {widest:.1f} pt (target: none over 1 pt)",
        f"clipped HTML equations: {clipped}; other elements past the column: {inline}; "
        f"words printed past the margins: {outside}; pages Chromium shrank: {shrunk} "
        "(targets: 0)",
        f"overlapping diagram labels (SVG and TikZ): {labels} (target: 0)",
        "LaTeX that did not compile: " + (", ".join(failed) if failed else "none"),
    ]
    for name, target in PAGES_TARGET.items():
        pages = [
            f"{row['lang']}: tex {row['tex pages']}, html {row['html pages']}"
            for row in rows
            if row["net"] == name
        ]
        if pages:
            pages_text = "; ".join(pages)
            lines.append(f"{name} default handout pages (A4; target ≤ {target}): {pages_text}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
