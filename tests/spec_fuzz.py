"""A spec fuzzer: hypothesis draws spec files (valid, nearly valid and hostile) and every command
runs on each; nothing may end in a traceback, a hang, a second line on stderr or non-strict
JSON. tests/test_spec_fuzz.py runs a short round; benchmarks/bench_fuzz.py a long one, with
networks up to the documented limits.
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from symbp.cli import main

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "identity", "softmax", "swish", ""]
LOSSES = ["half_sse", "sse", "mse_mean", "bce", "cross_entropy", "focal"]
NUMBERINGS = ["by-source", "by-target", "layered", "explicit", "random"]
BIASES = ["none", "per-layer", "per-unit", "all"]
#: the largest networks the limits accept, and ones just past them
LIMIT_SHAPES = [
    [2] * 8,
    [2, 3, 3, 3, 3, 3, 3, 2],
    [128, 128, 28],
    [100, 100, 100],
    [128, 128],
    [128] * 3,
    [2] * 9,
]


class Raw(str):
    """Text placed in the JSON document as it is (an integer of 5,000 digits, a bare NaN)."""


def to_json(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(to_json(v) for v in value) + "]"
    return json.dumps(value)


def rarely(draw: st.DrawFn, one_in: int) -> bool:
    """True about once in `one_in` draws (False is what hypothesis shrinks towards)."""
    return bool(draw(st.sampled_from([False] * (one_in - 1) + [True])))


@st.composite
def numbers(draw: st.DrawFn, extreme: bool) -> Any:
    """Mostly ordinary numbers; one in fifty extreme (huge, tiny, not a number at all)."""
    if not extreme or not rarely(draw, 50):
        return draw(st.floats(-3, 3, allow_nan=False, allow_infinity=False))
    return draw(
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False),
            st.sampled_from([1e6, -1e6, 1e6 + 1, 1000.0, -1000.0, 1e-300, 5e-324, 1e308, -0.0]),
            st.integers(-(10**40), 10**40),
            st.builds(
                Raw, st.sampled_from(["1" * 5000, "-" + "9" * 400, "NaN", "1e999", "-1e999"])
            ),
            st.sampled_from(["0.5", True, None, [0.5], {"a": 1}]),
        )
    )


@st.composite
def spec_documents(draw: st.DrawFn, extreme: bool = True, limits: bool = False) -> str:
    """A spec file's text (JSON)."""
    if limits and rarely(draw, 10):
        layers: Any = draw(st.sampled_from(LIMIT_SHAPES))
    else:
        layers = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    if extreme and rarely(draw, 20):
        layers = draw(
            st.one_of(
                st.lists(st.integers(-2, 200), max_size=10),
                st.sampled_from([[], [2], "2-2-2", [2.5, 2], [True, 2], [[2], 2], None]),
            )
        )
    sizes = layers if isinstance(layers, list) and all(type(v) is int for v in layers) else []
    n_in = sizes[0] if sizes else 2
    n_out = sizes[-1] if sizes else 2
    n_weights = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False)) if sizes else 8
    # one document in five has extreme numbers: a wide layer's 128 inputs would otherwise
    # almost always hold one, and no wide network would be accepted
    value = numbers(extreme=extreme and rarely(draw, 5))
    out_activation = draw(st.sampled_from(ACTIVATIONS[:6]))
    if extreme and rarely(draw, 20):
        out_activation = draw(st.sampled_from(ACTIVATIONS[6:]))
    loss = draw(st.sampled_from(LOSSES[:-1] if not extreme or not rarely(draw, 20) else LOSSES))
    if not rarely(draw, 5):  # mostly matching output and loss, so that many specs are accepted
        loss, out_activation = draw(
            st.sampled_from(
                [
                    ("half_sse", "sigmoid"),
                    ("cross_entropy", "softmax"),
                    ("bce", "sigmoid"),
                    ("mse_mean", "tanh"),
                    ("sse", "identity"),
                    ("half_sse", "relu"),
                ]
            )
        )
    hidden = [draw(st.sampled_from(ACTIVATIONS[:5])) for _ in range(max(0, len(sizes) - 2))]
    document: dict[str, Any] = {"layers": layers}
    document["activation"] = [*hidden, out_activation] if draw(st.booleans()) else out_activation
    document["loss"] = loss
    n_samples = draw(st.integers(1, 3))

    def vector(length: int) -> list[Any]:
        size = draw(st.integers(0, length + 2)) if extreme and rarely(draw, 30) else length
        return [draw(value) for _ in range(min(size, 20_000))]

    def target() -> Any:
        if loss == "cross_entropy" and draw(st.booleans()):
            if extreme and rarely(draw, 10):
                return draw(st.sampled_from([-1, n_out, 10**30]))
            return draw(st.integers(0, n_out - 1))
        if loss == "cross_entropy":
            raw = [draw(st.floats(0.01, 1)) for _ in range(n_out)]
            return [r / sum(raw) for r in raw]
        if loss == "bce":
            return [draw(st.floats(0, 1)) for _ in range(n_out)]
        return vector(n_out)

    if n_samples == 1:
        document["inputs"], document["targets"] = vector(n_in), target()
    else:
        document["inputs"] = [vector(n_in) for _ in range(n_samples)]
        document["targets"] = [target() for _ in range(n_samples)]
        document["reduction"] = draw(
            st.sampled_from(["mean", "sum", "max"] if extreme else ["mean", "sum"])
        )
    weights = draw(st.integers(0, 9))
    if weights == 0:
        document["weights"] = "zero"
    elif weights <= 2 or n_weights > 500:
        random_init: dict[str, Any] = {"random": "uniform", "seed": draw(st.integers(0, 2**64))}
        if draw(st.booleans()):
            random_init["range"] = draw(value)
        document["weights"] = random_init
    else:
        document["weights"] = vector(n_weights)
    numbering = draw(st.sampled_from(NUMBERINGS[:-1]))
    if extreme and rarely(draw, 20):
        numbering = "random"
    document["numbering"] = numbering
    if numbering == "explicit" and draw(st.integers(0, 4)):
        document["weight_names"] = [f"p{i}" for i in range(n_weights)]
    bias = draw(st.sampled_from(BIASES[:-1]))
    if extreme and rarely(draw, 20):
        bias = "all"
    if bias != "none":
        document["bias"] = bias
        if draw(st.booleans()):
            count = (len(sizes) - 1) if bias == "per-layer" else sum(sizes[1:])
            document["bias_values"] = vector(max(count, 0))
        if draw(st.booleans()):
            document["bias_trainable"] = draw(st.booleans())
    if draw(st.booleans()):
        document["negative_slope"] = draw(value)
    if draw(st.booleans()):
        document["learning_rate"] = draw(value) if rarely(draw, 5) else draw(st.floats(0.01, 3))
    if draw(st.booleans()):
        document["steps"] = draw(st.one_of(st.integers(-1, 3), st.just(10**30)))
    if draw(st.booleans()):
        printable = st.characters(blacklist_categories=("Cc", "Cs"))
        document["title"] = draw(st.text(printable, max_size=40))
        if extreme and rarely(draw, 10):
            document["title"] = draw(st.sampled_from(["\x1b[31mred", "\ud800", "é" * 300, 3]))
    if extreme and rarely(draw, 20):
        document[draw(st.sampled_from(["colour", "Layers", ""]))] = 1
    text = to_json(document)
    if extreme and rarely(draw, 30):
        text = text[: draw(st.integers(0, len(text)))]
    elif extreme and rarely(draw, 30):
        depth = draw(st.sampled_from([20, 5000, 100_000]))
        text = '{"layers": ' + "[" * depth + "]" * depth + "}"
    return text


@dataclass
class Tally:
    """What the fuzzer saw."""

    specs: int = 0
    accepted: int = 0
    refused: int = 0
    runs: int = 0
    problems: list[str] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")
    seconds: dict[str, float] = field(default_factory=dict)  # by command
    largest: int = 0  # weights of the largest accepted network
    at_limits: int = 0  # accepted networks of more than 1,000 weights or 8 layers


class Hung(Exception):
    pass


@contextlib.contextmanager
def alarm(seconds: int) -> Iterator[None]:
    def hung(signum: int, frame: object) -> None:
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_command(argv: list[str], tally: Tally, limit: int) -> int | None:
    """One command in-process: its exit status, or None (and a recorded problem) if it failed."""
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    try:
        with alarm(limit), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
    except Hung:
        tally.problems.append(f"past {limit} s: {argv}")
        return None
    except BaseException as error:  # noqa: BLE001 - a traceback is what the fuzzer looks for
        tally.problems.append(f"{type(error).__name__}: {error} in {argv}")
        return None
    seconds = time.monotonic() - start
    tally.runs += 1
    command = " ".join(
        a for a in argv if a.startswith(("--all", "--format", "json")) or a == argv[0]
    )
    tally.seconds[command] = tally.seconds.get(command, 0.0) + seconds
    if seconds > tally.slowest[0]:
        tally.slowest = (seconds, " ".join(argv[:3]))
    message = err.getvalue()
    if status not in (0, 1, 2):
        tally.problems.append(f"exit status {status}: {argv}")
    elif status == 2 and not (message.startswith("symbp: error: ") and message.count("\n") == 1):
        tally.problems.append(f"stderr not one line: {message[:200]!r} for {argv}")
    elif status != 2 and message:
        tally.problems.append(f"stderr on success: {message[:200]!r} for {argv}")
    elif "--format" in argv and argv[argv.index("--format") + 1] == "json" and status != 2:

        def reject(constant: str) -> None:
            raise ValueError(constant)

        try:
            json.loads(out.getvalue(), parse_constant=reject)
        except ValueError as error:
            tally.problems.append(f"not strict JSON ({error}): {argv}")
    return status


#: the commands run on every accepted spec (after `step --format json`, which decides)
COMMANDS = (
    ("derive", "--all", "--no-check", "--format", "json"),
    ("derive", "--all", "--no-check"),
    ("check", "--format", "json"),
    ("check-hand", "{hand}", "--format", "json"),
    ("train", "--steps", "3", "--format", "json"),
)


def exercise(
    text: str,
    directory: Path,
    tally: Tally,
    limit: int = 60,
    commands: tuple[tuple[str, ...], ...] = COMMANDS,
) -> None:
    """Every command on one spec: refused cleanly, or run to the end."""
    tally.specs += 1
    spec = directory / "spec.json"
    spec.write_text(text, encoding="utf-8", errors="surrogatepass")
    first = run_command(["step", "--spec", str(spec), "--format", "json"], tally, limit)
    if first != 0:
        tally.refused += first == 2
        return
    tally.accepted += 1
    data = json.loads(text)
    layers = data["layers"]
    weights = sum(a * b for a, b in zip(layers, layers[1:], strict=False))
    tally.largest = max(tally.largest, weights)
    tally.at_limits += weights > 1000 or len(layers) == 8
    hand = directory / "hand.txt"
    hand.write_text("L = 0.1\n", encoding="utf-8")
    for command in commands:
        argv = [str(hand) if part == "{hand}" else part for part in command]
        run_command([*argv, "--spec", str(spec)], tally, limit)
