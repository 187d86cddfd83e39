"""A class of 30 whose names cover every script a roster brings: every worksheet and key .tex
compiled with the engine its first line names, and every name's characters found in the PDF.

    python3 benchmarks/bench_scripts.py [--out DIR] [--jobs 2] [--png 4]

Writes `symbp exercise --roster ... --interactive --moodle` into DIR (default a temporary
folder), compiles each .tex in its own folder, and reports per file: engine, exit status,
"Missing character" lines (none may occur: the preambles make one an error), overfull boxes,
whether pdftotext gives back the student's name (spaces aside: CJK typesetting drops the
space between a family and a given name; ' is set as ’) and the fonts pdffonts lists. With
--png N, the first page of N worksheets is drawn as PNG beside them (pdftoppm) to look at.
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROSTER = (
    ("s01", "王芳"),
    ("s02", "李雷"),
    ("s03", "欧阳娜娜"),
    ("s04", "张喆"),  # 喆: one of the ideographs ctex's Song font lacks
    ("s05", "佐藤さくら"),
    ("s06", "山田 太郎"),
    ("s07", "김민준"),
    ("s08", "Иван Петров"),
    ("s09", "Ольга Смирнова"),
    ("s10", "Юлия Ёлкина"),
    ("s11", "Nguyễn Văn An"),
    ("s12", "Trần Thị Bích Ngọc"),
    ("s13", "Đorđević Milan"),
    ("s14", "José Álvarez"),
    ("s15", "François Müller"),
    ("s16", "Zoë O'Brien"),
    ("s17", "D’Angelo Rossi"),
    ("s18", "Łukasz Żółć"),
    ("s19", "Søren Ærø"),
    ("s20", "Ñúñez Peña"),
    ("s21", "Σωκράτης Παπαδόπουλος"),
    ("s22", "Şahin Yılmaz"),
    ("s23", "Dvořák Antonín"),
    ("s24", "Ada Lovelace"),
    ("s25", "Grace Hopper"),
    ("s26", "Mary-Jane Smith"),
    ("s27", "Ólafur Þórsson"),
    ("s28", "Chloé Bézier"),
    ("s29", "Kateřina Nováková"),
    ("s30", "Алексей Đặng"),
)


def _compile(tex: Path) -> dict[str, object]:
    engine = (
        "xelatex"
        if "xelatex" in tex.read_text(encoding="utf-8").split("\n", 1)[0]
        else ("pdflatex")
    )
    work = tex.parent / f"_{tex.stem}"
    work.mkdir(exist_ok=True)
    shutil.copy(tex, work / tex.name)
    started = time.perf_counter()
    result = subprocess.run(
        [engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", tex.name],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
    )
    log = (work / f"{tex.stem}.log").read_text(encoding="utf-8", errors="replace")
    pdf = work / f"{tex.stem}.pdf"
    text = fonts = ""
    if pdf.exists():
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    return {
        "tex": tex,
        "engine": engine,
        "status": result.returncode,
        "seconds": time.perf_counter() - started,
        "missing": len(re.findall(r"Missing character", log)),
        "overfull": len(re.findall(r"Overfull \\hbox", log)),
        "text": text,
        "fonts": sorted({line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:]}),
        "pdf": pdf,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="folder (default: a temporary one)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--png", type=int, default=4, help="worksheets drawn as PNG")
    args = parser.parse_args()
    base = args.out or Path(tempfile.mkdtemp(prefix="symbp-scripts-"))
    base.mkdir(parents=True, exist_ok=True)
    roster = base / "class.csv"
    with roster.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name"])
        writer.writerows(ROSTER)
    folder = base / "week3"
    command = [sys.executable, "-m", "symbp", "exercise", "--roster", str(roster), "--seed", "7"]
    command += ["--out", str(folder), "--interactive", "--moodle", str(base / "week3.xml")]
    done = subprocess.run(command, capture_output=True, text=True)
    print(done.stdout + done.stderr)
    if done.returncode != 0:
        return 1
    texs = sorted(folder.glob("*/*.tex"))
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(_compile, texs))
    names = dict(ROSTER)
    failures = 0
    for result in results:
        tex = result["tex"]
        assert isinstance(tex, Path)
        name = names[tex.parent.name]
        # the apostrophe is typeset as a typographic one (’), as TeX sets every '
        found = "".join(name.replace("'", "’").split()) in "".join(str(result["text"]).split())
        bad = result["status"] != 0 or result["missing"] or not found
        failures += bool(bad)
        print(
            f"{tex.parent.name}/{tex.name:14} {name:24} {result['engine']:8} "
            f"exit {result['status']}  missing glyphs {result['missing']}  "
            f"overfull {result['overfull']}  name in PDF text: {'yes' if found else 'NO'}  "
            f"{result['seconds']:.1f} s  fonts: {', '.join(result['fonts'])}"  # type: ignore[arg-type]
        )
    engines = [str(r["engine"]) for r in results]
    print(
        f"\n{len(results)} .tex files: {engines.count('pdflatex')} pdflatex, "
        f"{engines.count('xelatex')} xelatex; {failures} failed; "
        f"overfull boxes {sum(int(r['overfull']) for r in results)}"  # type: ignore[call-overload]
    )
    for result in [r for r in results if Path(str(r["tex"])).stem == "worksheet"][: args.png]:
        pdf = Path(str(result["pdf"]))
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                        str(pdf.with_suffix(""))], check=False)  # fmt: skip
        print("page 1:", next(pdf.parent.glob(f"{pdf.stem}*.png"), "none"))
    print(f"\nfiles in {base}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
