"""Figures for homework: writing a class's exercises and grading a class's submissions, at 50,
200 and 800 students, to show the work beyond start-up and that it grows linearly.

Targets (issue 15): 200 variants with worksheet, answer key and spec in all three formats within
20 s beyond start-up; grading 200 submissions within 15 s beyond start-up.

"Beyond start-up" is measured in one process, as `symbp exercise` and `symbp grade` run: the
clock starts after Python has imported symbp's modules (what the command's start-up is), so it
holds drawing, writing and judging. Each size runs in a fresh child process, so that no cache
of an earlier size helps a later one; the child's own start-up (imports) is printed beside it.

Submissions are made in plain Python by tests/hand_corpus/generate.py's work(): a quarter right,
a quarter with rounding carried at 4 decimals, half with one of seven catalogue mistakes made
for real (a wrong number sends check-hand's diagnosis through every mistake and pair of the
catalogue, the slow path).

    python3 benchmarks/bench_exercise.py            # 50, 200 and 800 students
    python3 benchmarks/bench_exercise.py --sizes 200
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, sys, time, tomllib
from pathlib import Path
started = time.perf_counter()
sys.path.insert(0, {root!r})
import symbp.api.homework, symbp.classroom.grading, symbp.formats.html, symbp.formats.latex
import symbp.formats.markdown, symbp.content.exercise, symbp.content.handout, latex2mathml.converter
from tests.hand_corpus import generate
imported = time.perf_counter() - started
size, folder = {size}, Path({folder!r})
t0 = time.perf_counter()
symbp.api.homework.exercises(count=size, seed=1).write(folder / "ex")
written = time.perf_counter() - t0
asked = json.loads((folder / "ex" / "exercise.json").read_text())["asked"]
mistakes = ("output_error_sign", "missing_sigma_prime", "half_dropped", "added_gradients",
            "update_sign", "dropped_path_o2", "learning_rate")
lines = ["id," + ",".join(asked)]
for n in range(1, size + 1):
    sid = f"s{{n:03d}}"
    data = tomllib.loads((folder / "ex" / sid / "spec.toml").read_text())
    net = generate.Net(sid, tuple(data["layers"]), data["numbering"], tuple(data["inputs"]),
                       tuple(data["targets"]), tuple(data["weights"]), data["learning_rate"])
    kind = n % 4
    if kind == 0:
        values = generate.work(net, decimals=None)
    elif kind == 1:
        values = generate.work(net, decimals=4)
    else:
        values = generate.work(net, frozenset({{mistakes[n % 7]}}), decimals=4)
    lines.append(sid + "," + ",".join(generate.number_text(values[k], 4) for k in asked))
(folder / "sub.csv").write_text("\n".join(lines) + "\n")
t1 = time.perf_counter()
grades = symbp.api.homework.grade(folder / "sub.csv", folder / "ex")
grades.render("text")
graded = time.perf_counter() - t1
named = sum(bool(g.mistakes) for g in grades.grades.students)
print(json.dumps({{"imported": imported, "written": written, "graded": graded,
                  "files": sum(1 for p in (folder / "ex").rglob("*") if p.is_file()),
                  "named": named}}))
"""


def run(size: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="symbp-bench-") as folder:
        code = CHILD.format(root=str(ROOT), size=size, folder=folder)
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 800])
    args = parser.parse_args()
    print("students  start-up  exercise (worksheet+key+spec, 3 formats)  grading (submissions)")
    rows = []
    for size in args.sizes:
        started = time.perf_counter()
        figures = run(size)
        rows.append((size, figures))
        print(
            f"{size:8d}  {figures['imported']:7.2f} s  "
            f"{figures['written']:6.2f} s ({1000 * figures['written'] / size:5.1f} ms each, "
            f"{int(figures['files'])} files)   "
            f"{figures['graded']:6.2f} s ({1000 * figures['graded'] / size:5.1f} ms each, "
            f"{int(figures['named'])} mistakes named)   "
            f"[child {time.perf_counter() - started:.0f} s]",
            flush=True,
        )
    for size, figures in rows:
        if size == 200:
            print(
                f"200 students: exercise {figures['written']:.1f} s (target 20 s: "
                f"{'met' if figures['written'] <= 20 else 'NOT met'}), grading "
                f"{figures['graded']:.1f} s (target 15 s: "
                f"{'met' if figures['graded'] <= 15 else 'NOT met'})"
            )


if __name__ == "__main__":
    main()
