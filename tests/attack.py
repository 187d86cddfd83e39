"""The attack round: generators of hostile input for every door symbp has, and the checks that
say whether an attack got through.

Categories (each a function returning cases; a case runs one or more symbp commands):

- specs: generated spec files (tests/spec_fuzz.py's runner), extended with what the third round
  of attacks found: the objective "output" on several outputs, optimizers with weight decay,
  eps = 0 and odd momenta, non-positive learning rates, many samples near the samples ×
  parameters bound, titles with $, TeX, HTML and any script. Every accepted spec goes through
  derive (--weight, --all, --wrt), check, step, train and handout (HTML and LaTeX).
- hand files: check-hand on generated calculations (names, formulas, encodings, garbage).
- class files: rosters and submissions (formula injection, NFD ids, separators only, reserved
  and duplicate ids, long cells, odd delimiters) through exercise and grade --format csv.
- exercise folders: a written folder tampered with (every manifest field, duplicate keys, deep
  nesting, NFD ids, specs and key.csv edited or removed), then graded.
- api: every public function and argument given wrong types and values.
- outputs: -o, --out, --reports, --plot and --moodle naming a device, a FIFO (read and
  unread), a folder, a name over 255 bytes, /dev/stdout, a missing folder.

An injection succeeds when a CSV cell symbp wrote could start a spreadsheet formula, an HTML
output carries a raw tag from the input, a LaTeX output a raw control sequence from the input,
or a device or FIFO named as an output is no longer one. tests/test_attack_round.py runs a
small sample; benchmarks/attack_round.py the whole round.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import random
import re
import shutil
import stat
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.hostile import GOOD_SPEC
from tests.spec_fuzz import Hung, alarm

#: text that must never come out raw: (what is typed, what must not appear in the output)
HTML_PROBE = '<script>alert("x")</script>'
TEX_PROBE = r"\input{/etc/passwd}"
TITLES = [
    "a $x$ title",
    "$",
    "cost: 5 $ and 10 %",
    HTML_PROBE,
    TEX_PROBE,
    r"\\ \def\x{} #1 ^ _ & ~ { }",
    "Привет",
    "第三周",
    "Ω ≈ π",
    '=HYPERLINK("http://x")',
    "é" * 200,
    "tab\there",
]
FORMULA_NAMES = [
    '=HYPERLINK("http://x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-1+1",
    "-2",
    "=1+1",
    "\tTabbed",
    "\rReturn",
    "José",
    unicodedata.normalize("NFD", "José"),
    HTML_PROBE,
]


@dataclass
class Counts:
    """What one category saw."""

    runs: int = 0
    tracebacks: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    injections: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # a refusal that is not one clean line
    exits: dict[int, int] = field(default_factory=dict)
    slowest: float = 0.0

    def merge(self, other: Counts) -> None:
        self.runs += other.runs
        self.tracebacks += other.tracebacks
        self.hangs += other.hangs
        self.injections += other.injections
        self.messages += other.messages
        for code, count in other.exits.items():
            self.exits[code] = self.exits.get(code, 0) + count
        self.slowest = max(self.slowest, other.slowest)

    @property
    def problems(self) -> list[str]:
        return self.tracebacks + self.hangs + self.injections + self.messages


def run(argv: list[str], counts: Counts, limit: int = 60) -> tuple[int | None, str, str]:
    """One symbp command in this process: (exit status or None, stdout, stderr)."""
    from symbp.cli import main

    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    counts.runs += 1
    try:
        with alarm(limit), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
    except Hung:
        counts.hangs.append(f"past {limit} s: {argv}")
        return None, "", ""
    except SystemExit as leave:  # argparse's own refusal
        status = leave.code if isinstance(leave.code, int) else 2
    except BaseException as error:  # noqa: BLE001 - a traceback is what the round looks for
        counts.tracebacks.append(f"{type(error).__name__}: {str(error)[:200]} in {argv}")
        return None, "", ""
    counts.slowest = max(counts.slowest, time.monotonic() - start)
    counts.exits[status] = counts.exits.get(status, 0) + 1
    message = err.getvalue()
    if status == 2 and message.count("\n") != 1:
        counts.messages.append(f"not one line: {message[:200]!r} for {argv}")
    if status == 2 and any(c in message.rstrip("\n") for c in "\x1b\r\n"):
        counts.messages.append(f"raw control character on stderr: {message[:120]!r}")
    return status, out.getvalue(), message


# -- checks for injections ------------------------------------------------------------------------


def formula_cells(text: str) -> list[str]:
    """The cells of a CSV text that a spreadsheet could run as a formula."""
    from symbp.formats.csv import spreadsheet_cell

    bad = []
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if spreadsheet_cell(cell) != cell:
                bad.append(cell)
    return bad


def html_injected(text: str) -> bool:
    return HTML_PROBE in text


def tex_injected(text: str) -> bool:
    return TEX_PROBE in text


# -- specs ----------------------------------------------------------------------------------------

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
PAIRS = [
    ("half_sse", "sigmoid"),
    ("cross_entropy", "softmax"),
    ("bce", "sigmoid"),
    ("mse_mean", "tanh"),
    ("sse", "identity"),
    ("output", "sigmoid"),
    ("output", "tanh"),
]
OPTIMIZERS: list[Any] = [
    None,
    "adam",
    {"name": "adam", "weight_decay": 0.01},
    {"name": "adamw"},
    {"name": "adam", "eps": 0},
    {"name": "adam", "eps": 0, "weight_decay": 0.1},
    {"name": "sgd", "momentum": 0.9, "weight_decay": 0.01},
    {"name": "sgd", "momentum": 0.9, "nesterov": True},
    {"name": "sgd", "momentum": -5},
    {"name": "adam", "eps": float("nan")},
    {"name": "adam", "betas": [0.9, 1.0]},
]


def spec_document(rng: random.Random) -> dict[str, Any]:
    """A spec, mostly valid, reaching for the corners the third round found."""
    depth = rng.choice([2, 2, 3, 3, 4])
    layers = [rng.randint(1, 4) for _ in range(depth)]
    loss, out = rng.choice(PAIRS)
    if loss == "output" and rng.random() < 0.7:
        layers[-1] = max(2, layers[-1])  # the objective on a network of several outputs
    if loss in ("cross_entropy",):
        layers[-1] = max(2, layers[-1])
    document: dict[str, Any] = {
        "layers": layers,
        "activation": [rng.choice(ACTIVATIONS) for _ in layers[2:]] + [out],
        "loss": loss,
    }
    if rng.random() < 0.7:
        document["title"] = rng.choice(TITLES)
    if rng.random() < 0.4:
        document["bias"] = rng.choice(["per-layer", "per-unit"])
    parameters = sum(a * b for a, b in zip(layers, layers[1:], strict=False)) + sum(layers[1:])
    samples = rng.choice([1, 1, 1, 2, 5, 50])
    if rng.random() < 0.05:  # at the samples × parameters bound, or just past it
        from symbp.core.spec import MAX_SAMPLE_PARAMETERS

        samples = MAX_SAMPLE_PARAMETERS // parameters + rng.choice([0, 1])
        samples = min(samples, 10_001)

    def vector(n: int) -> list[float]:
        return [round(rng.uniform(-1, 1), 2) for _ in range(n)]

    def target() -> Any:
        if loss == "cross_entropy":
            return rng.randrange(layers[-1])
        if loss == "bce":
            return [round(rng.uniform(0, 1), 2) for _ in range(layers[-1])]
        return vector(layers[-1])

    if loss == "output":
        document["output"] = f"o{rng.randint(1, layers[-1])}"
        document["inputs"] = vector(layers[0]) if samples == 1 else [vector(layers[0])] * samples
    elif samples == 1:
        document["inputs"], document["targets"] = vector(layers[0]), target()
    else:
        document["inputs"] = [vector(layers[0]) for _ in range(samples)]
        document["targets"] = [target() for _ in range(samples)]
    document["weights"] = {"random": "uniform", "seed": rng.randrange(1000)}
    if rng.random() < 0.3:  # a unit exactly at a kink: z = 0
        document["weights"] = "zero"
    optimizer = rng.choice(OPTIMIZERS)
    if optimizer is not None:
        document["optimizer"] = optimizer
    if rng.random() < 0.1:
        document["learning_rate"] = rng.choice([0, -1, 1e-300, 1e6, 5])
    return document


def spec_commands(spec: Path, directory: Path, rng: random.Random) -> list[list[str]]:
    """The commands run on an accepted spec: the symbolic ones on every spec, the ones that
    start torch (check, handout, derive with its check) on one in five."""
    s = ["--spec", str(spec)]
    lr = rng.choice([[], [], ["--lr", "-1"], ["--lr", "0"], ["--lr", "0.5"]])
    commands = [
        ["derive", "--all", "--no-check", "--format", rng.choice(["text", "json"]), *s],
        ["train", "--steps", "3", "--format", "csv", *lr, *s],
    ]
    if rng.random() < 0.4:
        commands += [
            [
                "derive",
                "--weight",
                "w1",
                "--no-check",
                "--format",
                rng.choice(["latex", "html"]),
                *s,
            ],
            ["derive", "--wrt", "x1", "--no-check", *s],
            ["step", "--format", rng.choice(["latex", "text"]), *lr, *s],
        ]
    if rng.random() < 0.12:
        handout = str(directory / rng.choice(["h.html", "h.tex", "h.md"]))
        commands += [
            ["check", "--format", "json", *s],
            ["derive", "--wrt", "x1", *s],
            ["handout", "-o", handout, "--compact", *s],
        ]
    return commands


def attack_specs(
    count: int,
    seed: int = 0,
    limit: int = 60,
    progress: Callable[[int, Counts], None] | None = None,
) -> Counts:
    counts = Counts()
    rng = random.Random(seed)
    for number in range(count):
        if progress is not None and number and number % 50 == 0:
            progress(number, counts)
        document = spec_document(rng)
        with temporary() as directory:
            spec = directory / "spec.json"
            spec.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
            first, _, _ = run(["step", "--format", "json", "--spec", str(spec)], counts, limit)
            if first != 0:
                continue
            for argv in spec_commands(spec, directory, rng):
                status, out, _ = run(argv, counts, limit)
                if status in (0, 1):
                    check_outputs(argv, out, directory, counts)
    return counts


def check_outputs(argv: list[str], out: str, directory: Path, counts: Counts) -> None:
    """Injections in what one command printed or wrote."""
    texts = [out]
    for name in ("h.html", "h.tex", "h.md"):
        path = directory / name
        if path.exists():
            texts.append(path.read_text(encoding="utf-8"))
            path.unlink()
    for text in texts:
        if html_injected(text) and ("html" in argv or any(a.endswith(".html") for a in argv)):
            counts.injections.append(f"raw HTML from the input: {argv}")
        if tex_injected(text) and ("latex" in argv or any(a.endswith(".tex") for a in argv)):
            counts.injections.append(f"raw TeX from the input: {argv}")
    if "csv" in argv and formula_cells(out):
        counts.injections.append(f"formula cell {formula_cells(out)[0]!r}: {argv}")


# -- hand files -----------------------------------------------------------------------------------

HAND_NAMES = [
    "dL/dw1",
    "dL/dw5",
    "z_h1",
    "h1",
    "o1",
    "L",
    "delta_o1",
    "w1_new",
    "∂L/∂w1",
    "eta",
    "δ_o1",
    "dL/dw99",
    "w1",
    "x1",
    "b1",
    "",
    "L L",
    "学习率",
    "dL/dx1",
]
HAND_VALUES = [
    "0.01",
    "-0.0123",
    "1e400",
    "nan",
    "inf",
    "-inf",
    "0x10",
    "1,5",
    "0.5 0.3",
    "(",
    "w1*x1",
    "sigmoid(0.3)",
    "exp(1000)",
    "1/0",
    "0^0",
    "sqrt(-1)",
    "ln(0)",
    "9" * 5000,
    "σ(z_h1)",
    "(" * 200 + "1" + ")" * 200,
    "$",
    "=1+1",
    "\x1b[31m1",
    "１.５",
    "½",
]


def hand_text(rng: random.Random) -> bytes:
    lines = []
    for _ in range(rng.randint(0, 8)):
        name, value = rng.choice(HAND_NAMES), rng.choice(HAND_VALUES)
        lines.append(rng.choice([f"{name} = {value}", f"{name}: {value}", f"{name}={value}"]))
    if rng.random() < 0.1:
        lines.append(
            "spec = " + rng.choice(['"/dev/zero"', '"../../etc/passwd"', '"missing.toml"'])
        )
    text = "\n".join(lines) + rng.choice(["\n", "", "\r\n"])
    encoding = rng.choice(["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1"])
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    if rng.random() < 0.05:
        data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    return data


def attack_hand_files(count: int, seed: int = 0, limit: int = 60) -> Counts:
    counts = Counts()
    rng = random.Random(seed)
    for number in range(count):
        with temporary() as directory:
            suffix = rng.choice([".txt", ".txt", ".toml", ".json"])
            path = directory / f"hand{suffix}"
            data = hand_text(rng)
            if suffix == ".json":
                data = json.dumps({n: v for n, v in (("dL/dw1", 0.01), ("L", "x"))}).encode()
                if number % 3 == 0:
                    data = b'{"L": 0.1, "L": 0.2}'
            elif suffix == ".toml" and number % 4 == 0:
                data = b'L = """0.1\n"""\n'
            path.write_bytes(data)
            lang = rng.choice(["en", "zh"])
            fmt = rng.choice(["text", "json", "html", "markdown"])
            run(["check-hand", str(path), "--lang", lang, "--format", fmt], counts, limit)
    return counts


# -- class files ----------------------------------------------------------------------------------


def roster_text(rng: random.Random, number: int) -> str:
    kind = number % 8
    if kind == 0:
        return ",,,\n,,,\n"
    if kind == 1:
        return "id\nexercise.json\n"
    names = rng.sample(FORMULA_NAMES, k=min(4, len(FORMULA_NAMES)))
    ids = [f"s{i}" for i in range(len(names))]
    if kind == 2:
        ids[0] = unicodedata.normalize("NFD", "José")
    if kind == 3:
        ids[1] = ids[0].upper()
    delimiter = rng.choice([",", ";", "\t"])
    rows = [f"id{delimiter}name"]
    for student_id, name in zip(ids, names, strict=True):
        quoted = '"' + name.replace('"', '""') + '"'
        rows.append(f"{student_id}{delimiter}{quoted}")
    if kind == 4:
        rows.append("x" * 300 + delimiter + "long")
    if kind == 5:
        rows.append("class" + delimiter + "Clash")
    return "\n".join(rows) + "\n"


def attack_class_files(count: int, seed: int = 0, limit: int = 120) -> Counts:
    counts = Counts()
    rng = random.Random(seed)
    for number in range(count):
        with temporary() as directory:
            roster = directory / "roster.csv"
            roster.write_text(roster_text(rng, number), encoding="utf-8")
            folder = directory / "week"
            status, _, _ = run(
                ["exercise", "--roster", str(roster), "--out", str(folder)], counts, limit
            )
            if status != 0:
                continue
            key = (folder / "key.csv").read_text(encoding="utf-8")
            if formula_cells(key):
                counts.injections.append(f"key.csv formula cell {formula_cells(key)[0]!r}")
            lines = key.splitlines()
            submissions = directory / "submissions.csv"
            header = lines[0] + ",name"
            body = []
            for line in lines[1:]:
                student_id = line.split(",", 1)[0]
                if number % 3 == 0:  # the id as macOS saves it
                    student_id = unicodedata.normalize("NFD", student_id)
                name = rng.choice(FORMULA_NAMES).replace('"', '""')
                body.append(f'{student_id},{line.split(",", 1)[1]},"{name}"')
            submissions.write_text("\n".join([header, *body]) + "\n", encoding="utf-8")
            status, out, _ = run(
                ["grade", str(submissions), "--exercises", str(folder), "--format", "csv"],
                counts,
                limit,
            )
            if status == 0 and formula_cells(out):
                counts.injections.append(f"grades.csv formula cell {formula_cells(out)[0]!r}")
            reports = directory / "reports"
            run(
                [
                    "grade",
                    str(submissions),
                    "--exercises",
                    str(folder),
                    "--reports",
                    str(reports),
                    "--reports-format",
                    rng.choice(["html", "json", "text"]),
                ],
                counts,
                limit,
            )
            for report in reports.glob("*.html") if reports.exists() else []:
                if html_injected(report.read_text(encoding="utf-8")):
                    counts.injections.append(f"raw HTML in {report.name}")
    return counts


# -- exercise folders -----------------------------------------------------------------------------

TAMPERS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("asked unknown", lambda d: d["asked"].append("zzz")),
    ("asked alias", lambda d: d["asked"].__setitem__(0, "∂L/∂w1")),
    ("asked empty", lambda d: d.__setitem__("asked", [])),
    ("asked number", lambda d: d.__setitem__("asked", [1, 2])),
    ("asked string", lambda d: d.__setitem__("asked", "z_h1")),
    ("seed 1e400", lambda d: d.__setitem__("seed", "RAW:1e400")),
    ("seed negative", lambda d: d.__setitem__("seed", -1)),
    ("seed float", lambda d: d.__setitem__("seed", 1.5)),
    ("seed bool", lambda d: d.__setitem__("seed", True)),
    ("seed string", lambda d: d.__setitem__("seed", "7")),
    ("decimals Infinity", lambda d: d.__setitem__("decimals", "RAW:Infinity")),
    ("decimals 0", lambda d: d.__setitem__("decimals", 0)),
    ("decimals 99", lambda d: d.__setitem__("decimals", 99)),
    ("answer_decimals NaN", lambda d: d.__setitem__("answer_decimals", "RAW:NaN")),
    ("ranges missing", lambda d: d.pop("ranges")),
    ("ranges reversed", lambda d: d["ranges"].__setitem__("inputs", [1, -1])),
    ("ranges huge", lambda d: d["ranges"].__setitem__("weights", [-1e300, 1e300])),
    ("ranges three", lambda d: d["ranges"].__setitem__("targets", [0, 1, 2])),
    ("ranges strings", lambda d: d["ranges"].__setitem__("targets", ["a", "b"])),
    ("students missing", lambda d: d.pop("students")),
    ("students empty", lambda d: d.__setitem__("students", [])),
    ("students string", lambda d: d.__setitem__("students", "s001")),
    ("student id ..", lambda d: d["students"][0].__setitem__("id", "..")),
    ("student id slash", lambda d: d["students"][0].__setitem__("id", "a/b")),
    ("student id NFD", lambda d: d["students"][0].__setitem__("id", "Jose\u0301")),
    ("student id number", lambda d: d["students"][0].__setitem__("id", 7)),
    ("student id reserved", lambda d: d["students"][0].__setitem__("id", "key.csv")),
    ("student twice", lambda d: d["students"].append(dict(d["students"][0]))),
    ("student name huge", lambda d: d["students"][0].__setitem__("name", "n" * 10_000)),
    ("student extra key", lambda d: d["students"][0].__setitem__("evil", 1)),
    ("title number", lambda d: d.__setitem__("title", 3)),
    ("title control", lambda d: d.__setitem__("title", "\x1b[31m")),
    ("title huge", lambda d: d.__setitem__("title", "t" * 100_000)),
    ("lang unknown", lambda d: d.__setitem__("lang", "xx")),
    ("lang list", lambda d: d.__setitem__("lang", ["en"])),
    ("version 2", lambda d: d.__setitem__("symbp_exercise", 2)),
    ("version true", lambda d: d.__setitem__("symbp_exercise", True)),
    ("version missing", lambda d: d.pop("symbp_exercise")),
    ("seed 2^63", lambda d: d.__setitem__("seed", 2**63)),
    ("decimals string", lambda d: d.__setitem__("decimals", "1")),
    ("answer_decimals 9", lambda d: d.__setitem__("answer_decimals", 9)),
    ("ranges NaN", lambda d: d["ranges"].__setitem__("inputs", ["RAW:NaN", 1])),
    ("ranges not an object", lambda d: d.__setitem__("ranges", [0, 1])),
    ("ranges one value", lambda d: d["ranges"].__setitem__("weights", [0.5, 0.5])),
    ("asked null", lambda d: d.__setitem__("asked", None)),
    ("asked twice", lambda d: d["asked"].append(d["asked"][0])),
    ("students null", lambda d: d.__setitem__("students", None)),
    ("student not an object", lambda d: d["students"].__setitem__(0, "s001")),
    ("student id empty", lambda d: d["students"][0].__setitem__("id", "")),
    ("student id leading dot", lambda d: d["students"][0].__setitem__("id", ".hidden")),
    ("student id 65 letters", lambda d: d["students"][0].__setitem__("id", "a" * 65)),
    (
        "student id case twin",
        lambda d: d["students"][1].__setitem__("id", d["students"][0]["id"].upper()),
    ),
    ("version string", lambda d: d.__setitem__("symbp_exercise", "1")),
    ("title list", lambda d: d.__setitem__("title", ["t"])),
    ("top level list", lambda d: "RAW:[1, 2]"),
    ("nested 100,000", lambda d: "RAW:" + "[" * 100_000 + "]" * 100_000),
    ("nested objects", lambda d: "RAW:" + '{"a":' * 50_000 + "1" + "}" * 50_000),
    ("duplicate key", lambda d: "DUP"),
    ("empty file", lambda d: "RAW:"),
    ("not json", lambda d: "RAW:{seed: 1"),
    ("binary", lambda d: "BIN"),
    ("utf-16", lambda d: "U16"),
]


def _write_manifest(path: Path, document: dict[str, Any], result: Any) -> None:
    if result == "DUP":
        text = json.dumps(document)[:-1] + ', "seed": 5}'
    elif result == "BIN":
        path.write_bytes(b"\x00\xff" * 100)
        return
    elif result == "U16":
        path.write_bytes(json.dumps(document).encode("utf-16"))
        return
    elif isinstance(result, str) and result.startswith("RAW:"):
        text = result[4:]
    else:
        text = json.dumps(document)
        for raw in re.findall(r'"RAW:[^"]*"', text):  # a bare 1e400, Infinity, NaN
            text = text.replace(raw, raw[5:-1])
    path.write_text(text, encoding="utf-8")


FOLDER_EDITS: list[tuple[str, Callable[[Path], None]]] = [
    ("key.csv removed", lambda f: (f / "key.csv").unlink()),
    ("spec removed", lambda f: (f / "spec.toml").unlink()),
    ("student spec removed", lambda f: (f / "s001" / "spec.toml").unlink()),
    (
        "student spec another net",
        lambda f: (f / "s001" / "spec.toml").write_text(
            'layers = [2, 3, 2]\ninputs = [0.5, 0.3]\ntargets = [0.1, 0.2]\nweights = "zero"\n'
        ),
    ),
    ("student spec garbage", lambda f: (f / "s001" / "spec.toml").write_bytes(b"\xff\x00")),
    (
        "student spec a folder",
        lambda f: ((f / "s001" / "spec.toml").unlink(), (f / "s001" / "spec.toml").mkdir()),
    ),
    (
        "student spec a FIFO",
        lambda f: ((f / "s001" / "spec.toml").unlink(), os.mkfifo(f / "s001" / "spec.toml")),
    ),
    (
        "manifest a folder",
        lambda f: ((f / "exercise.json").unlink(), (f / "exercise.json").mkdir()),
    ),
    (
        "student folder a symlink",
        lambda f: (shutil.rmtree(f / "s001"), (f / "s001").symlink_to("/etc")),
    ),
]


def attack_exercise_folders(seed: int = 0, limit: int = 120) -> Counts:
    counts = Counts()
    with temporary() as directory:
        original = directory / "original"
        run(
            ["exercise", "--count", "2", "--seed", str(seed), "--out", str(original)], counts, limit
        )
        base = json.loads((original / "exercise.json").read_text(encoding="utf-8"))
        key = original / "key.csv"
        submissions = directory / "submissions.csv"
        shutil.copy(key, submissions)
        cases = [(name, tamper, None) for name, tamper in TAMPERS]
        cases += [(name, None, edit) for name, edit in FOLDER_EDITS]
        for name, tamper, edit in cases:
            folder = directory / "tampered"
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(original, folder, symlinks=True)
            if tamper is not None:
                document = json.loads(json.dumps(base))
                result = tamper(document)
                _write_manifest(folder / "exercise.json", document, result)
            if edit is not None:
                edit(folder)
            for fmt in ("text", "csv"):
                status, _, err = run(
                    ["grade", str(submissions), "--exercises", str(folder), "--format", fmt],
                    counts,
                    limit,
                )
                # UTF-16 with a byte-order mark is a manifest saved by another editor: read, rightly
                if status == 0 and tamper is not None and name != "utf-16":
                    counts.messages.append(f"tampered manifest ({name}) accepted")
    return counts


# -- the Python API -------------------------------------------------------------------------------

BAD_VALUES: list[Any] = [
    None,
    123,
    "float16",
    "",
    [],
    {},
    1.5,
    True,
    float("nan"),
    -5,
    "5",
    b"x",
    object(),
]


def api_calls() -> Iterator[tuple[str, Callable[[Any], Any]]]:
    import symbp

    p = symbp.problem()
    yield "problem", lambda v: symbp.problem(v)
    yield "Problem.load", lambda v: symbp.Problem.load(v)
    yield "derive", lambda v: p.derive(v)
    yield "derive.check", lambda v: p.derive("w1", check=v)
    yield "derive.dtype", lambda v: p.derive("w1", check=True, dtype=v)
    yield "derive.digits", lambda v: p.derive("w1", digits=v)
    yield "derivations", lambda v: p.derivations(v)
    yield "derivations.form", lambda v: p.derivations(form=v)
    yield "matrix_form.digits", lambda v: p.matrix_form(digits=v)
    yield "check", lambda v: p.check(v)
    yield "start_check", lambda v: p.start_check(v)
    yield "derive_unit", lambda v: p.derive_unit(v)
    yield "step.lr", lambda v: p.step(v)
    yield "step.optimizer", lambda v: p.step(None, v)
    yield "train.steps", lambda v: p.train(v)
    yield "train.lr", lambda v: p.train(1, v)
    yield "train.optimizer", lambda v: p.train(1, optimizer=v)
    yield "handout.lang", lambda v: p.handout(lang=v, check=False)
    yield "handout.digits", lambda v: p.handout(digits=v, check=False)
    yield "handout.focus", lambda v: p.handout(focus=v, check=False)
    yield "handout.show", lambda v: p.handout(show=v, check=False)
    yield "handout.title", lambda v: p.handout(title=v, check=False)
    yield "handout.paper", lambda v: p.handout(paper=v, check=False)
    yield "handout.form", lambda v: p.handout(form=v, check=False)
    yield "handout.compact", lambda v: p.handout(compact=v, check=False)
    yield "check_hand", lambda v: p.check_hand(v)
    yield "check_hand.lr", lambda v: p.check_hand("dL/dw1 = 0.01", learning_rate=v)
    yield "check_hand.lang", lambda v: p.check_hand("dL/dw1 = 0.01", lang=v)
    yield "check_hand_file", lambda v: symbp.check_hand_file(v)
    yield "check_hand_file.spec", lambda v: symbp.check_hand_file("examples/hand_mooc_8_3.txt", v)
    yield "exercises.count", lambda v: symbp.exercises(count=v)
    yield "exercises.seed", lambda v: symbp.exercises(count=2, seed=v)
    yield "exercises.ask", lambda v: symbp.exercises(count=2, ask=v)
    yield "exercises.decimals", lambda v: symbp.exercises(count=2, decimals=v)
    yield "exercises.lang", lambda v: symbp.exercises(count=2, lang=v)
    yield "exercises.inputs", lambda v: symbp.exercises(count=2, inputs=v)
    yield "grade", lambda v: symbp.grade(v, v)
    yield "load_spec", lambda v: symbp.load_spec(v)
    yield "OptimizerSpec.eps", lambda v: symbp.OptimizerSpec(name="adam", eps=v)
    yield "OptimizerSpec.momentum", lambda v: symbp.OptimizerSpec(momentum=v)
    yield "OptimizerSpec.name", lambda v: symbp.OptimizerSpec(name=v)
    yield "OptimizerSpec.betas", lambda v: symbp.OptimizerSpec(name="adam", betas=v)
    yield "torch_script", lambda v: symbp.torch_script(v)
    yield "derive(network)", lambda v: symbp.derive(p.network, v)


def attack_api(values: list[Any] | None = None) -> Counts:
    """Every API call with every bad value: a SymbpError, or a TypeError naming the argument."""
    from symbp.errors import SymbpError

    counts = Counts()
    for name, call in api_calls():
        for value in BAD_VALUES if values is None else values:
            counts.runs += 1
            try:
                with alarm(60):
                    call(value)
            except SymbpError:
                pass
            except TypeError as error:
                if " must be " not in str(error):
                    counts.tracebacks.append(f"{name}({value!r:.20}): TypeError {error}")
            except Hung:
                counts.hangs.append(f"{name}({value!r:.20})")
            except Exception as error:  # noqa: BLE001
                counts.tracebacks.append(f"{name}({value!r:.20}): {type(error).__name__} {error}")
    return counts


# -- outputs --------------------------------------------------------------------------------------


@contextlib.contextmanager
def fifo_reader(path: Path) -> Iterator[list[bytes]]:
    """A FIFO at `path` with a thread reading it to the end."""
    os.mkfifo(path)
    received: list[bytes] = []

    def read() -> None:
        with open(path, "rb") as handle:
            received.append(handle.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    time.sleep(0.05)
    try:
        yield received
    finally:
        if thread.is_alive():  # nobody wrote: open the writing end so the reader ends
            with contextlib.suppress(OSError):
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(5)


def output_targets(directory: Path) -> list[tuple[str, Callable[[], Path], str]]:
    """(label, make the target, what must stay true of it: 'chr', 'fifo', 'dir', 'any')."""

    def fifo() -> Path:
        path = directory / "unread.fifo"
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        os.mkfifo(path)
        return path

    def folder() -> Path:
        path = directory / "folder"
        path.mkdir(exist_ok=True)
        return path

    def device_link() -> Path:
        path = directory / "null-link"
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        path.symlink_to("/dev/null")
        return path

    return [
        ("/dev/null", lambda: Path("/dev/null"), "chr"),
        ("a FIFO nobody reads", fifo, "fifo"),
        ("a folder", folder, "dir"),
        ("a link to /dev/null", device_link, "chr"),
        ("a name of 300 bytes", lambda: directory / ("n" * 300), "any"),
        ("a missing folder", lambda: directory / "missing" / "sub" / "x", "any"),
        ("a newline and ESC", lambda: directory / "a\nb\x1b[31m", "any"),
    ]


def _suffixed(path: Path, suffix: str) -> Path:
    """The target with the extension a command needs (a device, FIFO or folder as it is)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        mode = 0
    if mode and not stat.S_ISREG(mode):
        return path
    return path.with_name(path.name + suffix)


def attack_outputs(limit: int = 120, quick: bool = False) -> Counts:
    """Every writing command at every odd target; `quick`: the commands that start no torch
    check, at a device, a FIFO, a folder and a long name (the suite's sample)."""
    counts = Counts()
    with temporary() as directory:
        spec = directory / "spec.json"
        spec.write_text(json.dumps(GOOD_SPEC), encoding="utf-8")
        key = directory / "class" / "key.csv"
        run(["exercise", "--count", "2", "--out", str(directory / "class")], counts, limit)
        commands: list[tuple[str, Callable[[Path], list[str]]]] = [
            (
                "handout -o",
                lambda t: ["handout", "--spec", str(spec), "-o", str(_suffixed(t, ".html"))],
            ),
            ("export -o", lambda t: ["export", "--torch", "--spec", str(spec), "-o", str(t)]),
            (
                "train --plot",
                lambda t: [
                    "train",
                    "--steps",
                    "2",
                    "--spec",
                    str(spec),
                    "--plot",
                    str(_suffixed(t, ".svg")),
                ],
            ),
            (
                "grade -o",
                lambda t: [
                    "grade",
                    str(key),
                    "--exercises",
                    str(directory / "class"),
                    "-o",
                    str(t),
                ],
            ),
            (
                "grade --reports",
                lambda t: [
                    "grade",
                    str(key),
                    "--exercises",
                    str(directory / "class"),
                    "--reports",
                    str(t),
                ],
            ),
            ("exercise --out", lambda t: ["exercise", "--count", "1", "--out", str(t)]),
            (
                "exercise --moodle",
                lambda t: [
                    "exercise",
                    "--count",
                    "1",
                    "--out",
                    str(directory / "m"),
                    "--moodle",
                    str(_suffixed(t, ".xml")),
                ],
            ),
        ]
        targets = output_targets(directory)
        if quick:
            commands = commands[1:]  # every writer but the handout (which starts torch)
            targets = targets[:5]
        for label, target, keeps in targets:
            for name, argv in commands:
                path = target()
                run(argv(path), counts, limit)
                if keeps == "chr" and not Path("/dev/null").is_char_device():
                    counts.injections.append(f"{name} replaced /dev/null")
                if keeps == "chr" and not os.path.realpath(path).startswith("/dev/"):
                    counts.injections.append(
                        f"{name} {label}: the link no longer points at a device"
                    )
                if keeps == "fifo" and not stat.S_ISFIFO(os.lstat(path).st_mode):
                    counts.injections.append(f"{name} replaced {label}")
                if keeps == "dir" and not path.is_dir():
                    counts.injections.append(f"{name} replaced {label}")
        # a FIFO that is read, and /dev/stdout into a pipe: the output arrives
        for name, argv in commands[:1] if quick else commands[:2]:
            fifo = directory / "read.fifo"
            with fifo_reader(fifo) as received:
                status, _, _ = run(argv(fifo), counts, limit)
            if status == 0 and not (received and received[0]):
                counts.messages.append(f"{name} into a read FIFO: nothing arrived")
            if not stat.S_ISFIFO(os.lstat(fifo).st_mode):
                counts.injections.append(f"{name} replaced a read FIFO")
            fifo.unlink()
    return counts


@contextlib.contextmanager
def temporary() -> Iterator[Path]:
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        yield Path(directory)
