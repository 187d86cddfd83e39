"""Hostile input: files and formulas that once crashed or hung symbp, as command lines.

Each case writes what it needs under a directory and returns the arguments of one symbp
command; it must end with the given exit status (2: one line `symbp: error: ...`) within a few
seconds and in bounded memory. tests/test_hostile.py runs them in-process;
benchmarks/bench_hostile.py runs each in a fresh process and prints its time and peak RSS.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

GOOD_SPEC = {
    "layers": [2, 2, 2],
    "inputs": [0.5, 0.3],
    "targets": [0.23, -0.07],
    "weights": [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8],
}


@dataclass(frozen=True)
class Hostile:
    name: str
    make: Callable[[Path], list[str]]  # writes its files under the directory, returns argv
    exit_code: int = 2


def _hand(text: str, name: str = "hand.txt") -> Callable[[Path], list[str]]:
    def make(directory: Path) -> list[str]:
        path = directory / name
        path.write_text(text, encoding="utf-8")
        return ["check-hand", str(path)]

    return make


def _hand_bytes(data: bytes, name: str = "hand.txt") -> Callable[[Path], list[str]]:
    def make(directory: Path) -> list[str]:
        path = directory / name
        path.write_bytes(data)
        return ["check-hand", str(path)]

    return make


def _spec(text: str, suffix: str = ".json", command: str = "derive") -> Callable[[Path], list[str]]:
    def make(directory: Path) -> list[str]:
        path = directory / f"net{suffix}"
        path.write_text(text, encoding="utf-8")
        extra = ["--all", "--no-check"] if command == "derive" else []
        return [command, "--spec", str(path), *extra]

    return make


def _spec_with(**changes: object) -> Callable[[Path], list[str]]:
    return _spec(json.dumps(GOOD_SPEC | changes))


def _big_file(suffix: str, command: str) -> Callable[[Path], list[str]]:
    def make(directory: Path) -> list[str]:
        path = directory / f"big{suffix}"
        with open(path, "wb") as handle:
            handle.truncate(50 * 1024 * 1024)  # 50 MB (sparse: zeros)
        if command == "check-hand":
            return ["check-hand", str(path)]
        return [command, "--spec", str(path), "--no-check", "--all"]

    return make


def _fifo(command: str) -> Callable[[Path], list[str]]:
    def make(directory: Path) -> list[str]:
        path = directory / ("fifo.json" if command == "derive" else "fifo.txt")
        os.mkfifo(path)
        if command == "derive":
            return ["derive", "--spec", str(path), "--all", "--no-check"]
        return ["check-hand", str(path)]

    return make


def _device_in_hand(directory: Path) -> list[str]:
    path = directory / "hand.txt"
    path.write_text("spec = /dev/zero\ndL/dw1 = 0.01\n", encoding="utf-8")
    return ["check-hand", str(path)]


def _deep_json(depth: int, hand: bool) -> Callable[[Path], list[str]]:
    def make(directory: Path) -> list[str]:
        path = directory / "deep.json"
        inner = "[" * depth + "]" * depth
        if hand:
            path.write_text('{"dL/dw1": ' + inner + "}", encoding="utf-8")
            return ["check-hand", str(path)]
        path.write_text('{"layers": ' + inner + "}", encoding="utf-8")
        return ["derive", "--spec", str(path), "--all", "--no-check"]

    return make


def _deep_toml(depth: int) -> Callable[[Path], list[str]]:
    def make(directory: Path) -> list[str]:
        path = directory / "deep.toml"
        path.write_text("layers = " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
        return ["derive", "--spec", str(path), "--all", "--no-check"]

    return make


SUMS = "h1+h2+o1+o2+w1+w2+w3+w4+w5+w6+w7+w8+x1+x2"

CASES: tuple[Hostile, ...] = (
    # formulas
    Hostile("exp tower of a constant", _hand("dL/dw1 = exp(exp(exp(1000)))\n")),
    Hostile("σ of an exp tower", _hand("dL/dw1 = σ(exp(exp(exp(10))))\n")),
    Hostile("exp tower of a name", _hand("dL/dw1 = exp(exp(exp(h1*100)))\n")),
    Hostile("exp tower, four high", _hand("dL/dw1 = exp(exp(exp(exp(100))))\n")),
    Hostile("expansion bomb", _hand(f"dL/dw1 = (({SUMS})^10)^10\n")),
    Hostile("power of powers", _hand("dL/dw1 = ((((x1+w1)^10)^10)^10)^10\n")),
    # a tenth power of eight sums is a legitimate, if odd, formula: judged, quickly, as wrong
    Hostile("tenth power of a sum", _hand("dL/dw1 = (h1+h2+o1+o2+w1+w2+w3+w4)^10\n"), 1),
    Hostile(
        "every quantity a tenth power",
        _hand("".join(f"dL/dw{i} = ({SUMS})^10\n" for i in range(1, 9))),
        1,
    ),
    Hostile("NaN exponent", _hand("dL/dw1 = x1^(0*ln(0))\n")),
    Hostile("huge exponent in a formula", _hand("dL/dw1 = 2*1e99999999\n")),
    Hostile("tiny exponent in a formula", _hand("dL/dw1 = 2*1e-99999999\n")),
    Hostile("overflowing number", _hand("dL/dw1 = 5e999\n")),
    Hostile("10,000-deep brackets", _hand("dL/dw1 = " + "(" * 10_000 + "x1" + ")" * 10_000 + "\n")),
    Hostile("200-deep brackets", _hand("dL/dw1 = " + "(" * 200 + "x1" + ")" * 200 + "\n")),
    Hostile("Python in a formula", _hand("dL/dw1 = __import__('os').system('id')\n")),
    Hostile("a formula naming itself", _hand("dL/dw1 = dL/dw1\n")),
    Hostile("negative learning rate", _hand("eta = -1\ndL/dw1 = 0.01\n")),
    Hostile("zero learning rate", _hand("η = 0\ndL/dw1 = 0.01\n")),
    # files that are not what they claim
    Hostile("empty hand file", _hand("")),
    Hostile("comments only", _hand("# nothing here\n\n# at all\n")),
    Hostile("/dev/null", lambda d: ["check-hand", "/dev/null"]),
    Hostile("/dev/zero as a hand file", lambda d: ["check-hand", "/dev/zero"]),
    Hostile("/dev/urandom as a hand file", lambda d: ["check-hand", "/dev/urandom"]),
    Hostile("spec = /dev/zero in a hand file", _device_in_hand),
    Hostile(
        "--spec /dev/zero for check-hand",
        lambda d: [*_hand("dL/dw1 = 0.01\n")(d), "--spec", "/dev/zero"],
    ),
    Hostile("--spec /dev/zero for derive", lambda d: ["derive", "--spec", "/dev/zero", "--all"]),
    Hostile("a directory as a hand file", lambda d: ["check-hand", str(d)]),
    Hostile("FIFO as a hand file", _fifo("check-hand")),
    Hostile("FIFO as a spec", _fifo("derive")),
    Hostile("50 MB hand file", _big_file(".txt", "check-hand")),
    Hostile("50 MB spec", _big_file(".json", "derive")),
    Hostile("UTF-16 without a byte-order mark", _hand_bytes("dL/dw1 = 0.01\n".encode("utf-16-le"))),
    Hostile("binary hand file", _hand_bytes(bytes(range(256)) * 64)),
    Hostile("Latin-1 hand file", _hand_bytes("# résumé\ndL/dw1 = 0.01\n".encode("latin-1"))),
    Hostile("JSON hand file 10,000 deep", _deep_json(10_000, hand=True)),
    Hostile(
        "TOML hand file 5,000 deep", lambda d: _hand("x = " + "[" * 5000 + "]" * 5000, "h.toml")(d)
    ),
    # specs
    Hostile("JSON spec 100,000 deep", _deep_json(100_000, hand=False)),
    Hostile("TOML spec 5,000 deep", _deep_toml(5_000)),
    Hostile("5,000-digit title", _spec('{"title": ' + "7" * 5000 + "}")),
    Hostile("5,000-digit weight", _spec(json.dumps(GOOD_SPEC).replace("0.8]", "9" * 5000 + "]"))),
    Hostile(
        "5,000-digit slope",
        _spec(json.dumps(GOOD_SPEC)[:-1] + ', "negative_slope": ' + "1" * 5000 + "}"),
    ),
    Hostile("TOML 5,000-digit integer", _spec("title = " + "1" * 5000 + "\n", ".toml")),
    Hostile(
        "lone surrogate in the title", _spec(json.dumps(GOOD_SPEC)[:-1] + ', "title": "\\ud800"}')
    ),
    Hostile("ANSI escape in the title", _spec_with(title="\x1b[2J\x1b[31mred")),
    Hostile(
        "cross-entropy targets of 1e308",
        _spec_with(activation=["sigmoid", "softmax"], loss="cross_entropy", targets=[1e308, 0]),
    ),
    Hostile(
        "random weights in ±1e308",
        _spec_with(weights={"random": "uniform", "seed": 1, "range": 1e308}),
    ),
    Hostile("inputs of 1.3e154", _spec_with(inputs=[1.3e154, 0.3], loss="sse")),
    Hostile("negative learning rate in a spec", _spec_with(learning_rate=-1)),
    Hostile("[2] × 9 layers", _spec_with(layers=[2] * 9)),
    Hostile("more weights than the limit", _spec_with(layers=[128, 128, 128, 2])),
)
