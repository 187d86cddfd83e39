"""Regenerates every generated file in examples/: python3 examples/generate.py

- handout-{en,zh}.{html,tex,md}: the handouts of the default (MOOC 8.3) network, and
  handout-matrix-{en,zh}.{html,tex,md} the same in matrix form (`--form matrix`);
- derivations/NAME.txt: for every example spec, exactly what
  `symbp derive --all --no-check --spec examples/NAME.toml` prints (no torch check, so the
  files do not depend on the torch build), plus its `symbp train` table when it sets `steps`;
  derivations/matrix/NAME.txt what `symbp derive --form matrix --no-check` prints; a spec
  with an optimizer also gets its `symbp step` (every equation of the first update);
- derivations/wrt/NAME_UNITS.txt: ∂L/∂a of units, `symbp derive --wrt … --no-check`, for the
  specs that publish such values (Mazur's ∂E_total/∂out_h1, CS231n's dx);
- mooc_8_3.ipynb: the example notebook, stored without outputs (the tests execute it);
- diagram-4-5-5-3.svg: the diagram of networks/course_4_5_5_3.toml, a course-sized network
  whose weights are too many to label (the handout gives them as matrices beside it);
- exercise/: homework for the three students of exercise/roster.csv (README "Homework for a
  class"): week3/, what `symbp exercise --roster examples/exercise/roster.csv --seed 2024
  --interactive --moodle examples/exercise/week3.xml --out examples/exercise/week3` writes
  (each student's spec, worksheet, answer key and self-check page, and key.csv), week3.xml,
  a submissions sheet (submissions.csv: one right, one with a sign slipped, one copying) and
  grades.txt, what `symbp grade` says of it.

With --check it writes nothing and exits 1 if any file is missing or out of date (the test
suite runs it that way). Two optional steps draw pictures that depend on the machine's fonts and
rasteriser, so they are neither stored nor compared by --check: --png renders
diagram-4-5-5-3.png with headless Chromium (the SVG is the reference), --screenshots draws
matrix-form-page.png, the backward-pass page of handout-matrix-en.tex as pdflatex sets it.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from symbp.api.problem import HANDOUT_EXTENSIONS, problem
from symbp.cli import main as symbp_main
from symbp.files import write_atomic

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LANGUAGES = ("en", "zh")
SUFFIXES = (".html", ".tex", ".md")

CELLS: list[tuple[str, str]] = [
    (
        "markdown",
        "# Backpropagation, derived: the MOOC 8.3 example\n\n"
        "A 2-2-2 sigmoid network with x = (0.5, 0.3), y = (0.23, −0.07), "
        "L = ½(o1−y1)² + ½(o2−y2)² and learning rate 1. "
        "symbp derives every gradient symbolically and checks it against torch autograd.",
    ),
    ("code", "import symbp\n\nproblem = symbp.problem()  # the embedded MOOC 8.3 network\nproblem"),
    ("markdown", "## The forward pass"),
    ("code", "problem.forward()"),
    ("markdown", "## One weight's derivation: ∂L/∂w1\n\nThe course's slides had +0.01 here."),
    ("code", 'problem.derive("w1")'),
    ("markdown", "## Every gradient"),
    ("code", "problem.gradients"),
    (
        "markdown",
        "## The check against torch autograd and finite differences\n\n"
        "torch is optional: without it this cell says how to add it.",
    ),
    (
        "code",
        "try:\n"
        "    report = problem.check()\n"
        "except symbp.TorchMissingError as missing:\n"
        "    report = None\n"
        "    print(missing)\n"
        "report",
    ),
    ("markdown", "## One gradient-descent step"),
    ("code", "problem.step()"),
    (
        "markdown",
        "## A hand calculation with a mistake, and its diagnosis\n\n"
        "The course's slides gave +0.01 for the w1 and w3 gradients. Which mistake makes that?",
    ),
    (
        "code",
        'problem.check_hand("""\n'
        "dL/dw1 = 0.01\ndL/dw2 = 0.01\ndL/dw3 = 0.01\ndL/dw4 = 0.01\n"
        "dL/dw5 = 0.03\ndL/dw6 = 0.08\ndL/dw7 = 0.03\ndL/dw8 = 0.07\n"
        '""")',
    ),
]


def build() -> nbformat.NotebookNode:
    notebook = new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.cells = [
        new_markdown_cell(source) if kind == "markdown" else new_code_cell(source)
        for kind, source in CELLS
    ]
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number}"  # stable ids: the same bytes every time
    return notebook


def handouts() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for lang in LANGUAGES:
        for form, stem in (("scalar", f"handout-{lang}"), ("matrix", f"handout-matrix-{lang}")):
            handout = problem().handout(lang=lang, form=form)
            for suffix in SUFFIXES:
                files[HERE / f"{stem}{suffix}"] = handout.render(HANDOUT_EXTENSIONS[suffix])
    return files


def _symbp(argv: list[str]) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = symbp_main(argv)
    if status != 0:
        raise SystemExit(f"symbp {' '.join(argv)} exited with {status}")
    return buffer.getvalue()


def derivations() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for spec in sorted(HERE.glob("*.toml")):
        relative = spec.relative_to(ROOT).as_posix()
        text = _symbp(["derive", "--all", "--no-check", "--spec", relative])
        source = spec.read_text(encoding="utf-8")
        if "\noptimizer = " in source:
            text += "\n" + _symbp(["step", "--spec", relative])
        if "\nsteps = " in source:
            text += "\n" + _symbp(["train", "--spec", relative])
        files[HERE / "derivations" / f"{spec.stem}.txt"] = text
        matrix = _symbp(["derive", "--form", "matrix", "--no-check", "--spec", relative])
        files[HERE / "derivations" / "matrix" / f"{spec.stem}.txt"] = matrix
    for stem, units in WRT.items():
        relative = (HERE / f"{stem}.toml").relative_to(ROOT).as_posix()
        argv = ["derive", "--no-check", "--spec", relative]
        for unit in units:
            argv += ["--wrt", unit]
        files[HERE / "derivations" / "wrt" / f"{stem}_{'_'.join(units)}.txt"] = _symbp(argv)
    return files


#: published values of ∂L/∂a: Mazur's ∂E_total/∂out_h1 = 0.036350306, CS231n's dx
WRT = {"mazur_2_2_2": ("h1",), "cs231n_neuron": ("x1", "x2")}


COURSE_SPEC = HERE / "networks" / "course_4_5_5_3.toml"
DIAGRAM = HERE / "diagram-4-5-5-3.svg"


def diagram() -> dict[Path, str]:
    """The course network's diagram as the handouts draw it (structure only, no labels)."""
    from symbp.content.blocks import Diagram
    from symbp.content.handout import labelled_pairs
    from symbp.content.names import Names
    from symbp.formats.diagram import svg

    network = problem(COURSE_SPEC).network
    drawing = Diagram(Names(network), labelled=labelled_pairs(network))
    return {DIAGRAM: svg(drawing, title="A 4-5-5-3 network") + "\n"}


def screenshot(path: Path) -> None:
    """Render the diagram to PNG with headless Chromium (optional: machine-dependent)."""
    import shutil
    import subprocess
    import tempfile

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("--png needs Chromium (chromium on the PATH)")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "diagram.html"
        page.write_text(
            '<!DOCTYPE html><html><body style="margin:0;background:white">'
            + DIAGRAM.read_text(encoding="utf-8")
            + "</body></html>",
            encoding="utf-8",
        )
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={Path(tmp) / 'profile'}", "--window-size=460,320",
             "--force-device-scale-factor=2", f"--screenshot={path}", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip


def notebook() -> dict[Path, str]:
    return {HERE / "mooc_8_3.ipynb": nbformat.writes(build()) + "\n"}


EXERCISE = HERE / "exercise"


def exercise() -> dict[Path, str]:
    """The homework example: the exercise folder, the Moodle quiz, a class's sheet, its grades."""
    folder, quiz = EXERCISE / "week3", EXERCISE / "week3.xml"
    files: dict[Path, str] = {}
    with tempfile.TemporaryDirectory() as scratch:
        out, xml = Path(scratch) / "week3", Path(scratch) / "week3.xml"
        _symbp(
            ["exercise", "--roster", (EXERCISE / "roster.csv").relative_to(ROOT).as_posix(),
             "--seed", "2024", "--interactive", "--moodle", str(xml), "--out", str(out)]
        )  # fmt: skip
        for path in sorted(out.rglob("*")):
            if path.is_file():
                files[folder / path.relative_to(out)] = path.read_text(encoding="utf-8")
        files[quiz] = xml.read_text(encoding="utf-8")
        header, *rows = [line.split(",") for line in files[folder / "key.csv"].splitlines()]
        right, slipped, copier = (dict(zip(header, row, strict=True)) for row in rows)
        for key in ("delta_h1", "dL/dw1", "dL/dw3"):  # δ_h1's sign lost, and what follows
            slipped[key] = slipped[key][1:] if slipped[key].startswith("-") else "-" + slipped[key]
        copied = {"id": copier["id"]} | {k: v for k, v in right.items() if k.startswith("dL/dw")}
        sheet = [",".join(header)] + [
            ",".join(student.get(key, "") for key in header) for student in (right, slipped, copied)
        ]
        submissions = EXERCISE / "submissions.csv"
        files[submissions] = "\n".join(sheet) + "\n"
        scratch_sheet = Path(scratch) / "submissions.csv"
        scratch_sheet.write_text(files[submissions], encoding="utf-8")
        grades = _symbp(["grade", str(scratch_sheet), "--exercises", str(out)])
        files[EXERCISE / "grades.txt"] = grades
    return {path: text.replace(scratch, "<tmp>") for path, text in files.items()}


def expected() -> dict[Path, str]:
    """Every generated file and the text it should hold."""
    return {**handouts(), **derivations(), **notebook(), **diagram(), **exercise()}


def page_screenshot(tex: Path, png: Path, heading: str = "3. Backward pass") -> None:
    """The page of a .tex handout that starts `heading`'s section, as pdflatex sets it."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / tex.name
        shutil.copy(tex, copy)
        for _ in range(2):  # twice, as LaTeX wants for its page layout
            subprocess.run(
                ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", copy.name],
                cwd=scratch,
                check=True,
                capture_output=True,
                timeout=300,
            )
        pdf = copy.with_suffix(".pdf")
        pages = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout.split("\f")
        number = next(i for i, page in enumerate(pages, start=1) if heading in page)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-singlefile", "-f", str(number), "-l", str(number),
             str(pdf), str(png.with_suffix(""))],
            check=True,
            timeout=120,
        )  # fmt: skip


def main(argv: list[str]) -> int:
    files = expected()
    if "--check" in argv:
        stale = [
            path.relative_to(ROOT).as_posix()
            for path, text in files.items()
            if not path.exists() or path.read_text(encoding="utf-8") != text
        ]
        if stale:
            sys.stderr.write(f"out of date: {', '.join(stale)}; run python3 examples/generate.py\n")
            return 1
        return 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    if "--png" in argv:
        screenshot(DIAGRAM.with_suffix(".png"))
    if "--screenshots" in argv:
        page_screenshot(HERE / "handout-matrix-en.tex", HERE / "matrix-form-page.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
