"""A class's submissions made in plain Python, and what grading them should find, worked out
without symbp.

Each student's network is read from the spec file symbp exercise wrote (with tomllib), then
tests/hand_corpus/generate.py's `work()` computes the student's numbers the way a student does on
paper: the right calculation exactly or with rounding carried at 4 decimals, catalogue mistakes
made for real in the chain, a slip outside the catalogue, or another student's numbers copied.
The expected verdict of each number follows the corpus's independent rule
(generate.expected_verdicts), and the expected class summary is counted from those verdicts and
the mistakes each submission was made with.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .hand_corpus import generate

MISTAKES = (
    "output_error_sign",
    "missing_sigma_prime",
    "half_dropped",
    "added_gradients",
    "update_sign",
    "dropped_path_o2",
    "learning_rate",
)
#: what the 40 students of the class test hand in, in roster order (s001 first): s017 and s030
#: made mistakes, and s038-s040 copy s001, s017 and s030
STUDENTS: list[tuple[str, tuple[str, ...]]] = (
    [("exact", ())] * 10
    + [("carried", ())] * 6
    + [("mistake", (m,)) for m in MISTAKES for _ in range(2)]
    + [("slip", ())] * 4
    + [("gradients_only", ())] * 3
    + [("copy", ("s001",)), ("copy", ("s017",)), ("copy", ("s030",))]
)


def net_of(spec_file: Path, name: str) -> generate.Net:
    data = tomllib.loads(spec_file.read_text(encoding="utf-8"))
    return generate.Net(
        name,
        tuple(data["layers"]),
        data["numbering"],
        tuple(data["inputs"]),
        tuple(data["targets"]),
        tuple(data["weights"]),
        data["learning_rate"],
    )


@dataclass
class Submission:
    student: str
    kind: str
    mistakes: tuple[str, ...]
    values: dict[str, float]  # what they wrote, by canonical key (blank keys absent)
    texts: dict[str, str] = field(default_factory=dict)
    verdicts: dict[str, str] = field(default_factory=dict)  # blank -> "blank"


def submissions(folder: Path, asked: tuple[str, ...]) -> list[Submission]:
    ids = [f"s{n:03d}" for n in range(1, len(STUDENTS) + 1)]
    nets = {sid: net_of(folder / sid / "spec.toml", sid) for sid in ids}
    made: dict[str, Submission] = {}
    for sid, (kind, detail) in zip(ids, STUDENTS, strict=True):
        net = nets[sid]
        keys = [k for k in asked if not (kind == "gradients_only" and not k.startswith("dL/dw"))]
        # a student rounds what they write down; a step not written is carried unrounded
        only = frozenset(keys) if kind == "gradients_only" else None
        if kind == "exact":
            values = generate.work(net, decimals=None)
        elif kind in ("carried", "gradients_only"):
            values = generate.work(net, decimals=4, written=only)
        elif kind == "mistake":
            values = generate.work(net, frozenset(detail), decimals=4)
        elif kind == "slip":
            values = generate.work(
                net, decimals=4, slip=lambda key, v: -v if key == "delta_h1" else v
            )
        else:
            values = dict(made[detail[0]].values)
        written = {k: values[k] for k in keys}
        submission = Submission(sid, kind, detail if kind == "mistake" else (), written)
        submission.texts = {k: generate.number_text(v, 4) for k, v in written.items()}
        slips = frozenset({"delta_h1"}) if kind == "slip" else frozenset()
        verdicts = generate.expected_verdicts(net, written, 4, only, slips)
        submission.verdicts = {k: verdicts.get(k, "blank") for k in asked}
        made[sid] = submission
    return list(made.values())


def submissions_csv(rows: list[Submission], asked: tuple[str, ...], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["id", *asked])
    for row in rows:
        writer.writerow([row.student, *(row.texts.get(k, "") for k in asked)])
    return out.getvalue()


def expected_summary(rows: list[Submission], asked: tuple[str, ...]) -> dict[str, object]:
    """The class summary by the rules stated in docs/classroom.md."""
    right = {
        k: sum(r.verdicts[k] in ("right", "right to the stated precision") for r in rows)
        for k in asked
    }
    mistakes = Counter(m for r in rows for m in r.mistakes)
    unexplained = sorted(
        r.student for r in rows if not r.mistakes and any(v == "wrong" for v in r.verdicts.values())
    )
    # a number counts only against the student it is wrong for
    shared: dict[tuple[str, str], int] = {}
    for first in rows:
        for second in rows:
            same = [
                k
                for k in asked
                if first is not second
                and k in first.texts
                and first.texts[k] == second.texts.get(k)
                and first.verdicts[k] == "wrong"
            ]
            if len(same) >= 2:
                shared[(first.student, second.student)] = len(same)
    return {
        "right": right,
        "mistakes": dict(mistakes),
        "unexplained": unexplained,
        "shared": shared,
    }
