"""check-hand against hand calculations worked in this file, independently of symbp.

`student()` below is a plain-Python script that works the MOOC 8.3 network the way a student
does on paper: every written value rounded to a few decimals, every later step computed from the
rounded values. Each classic mistake is written into that script by hand (not by symbp's own
mutation code), and symbp must name it first.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from symbp.errors import FormulaError, HandInputError
from symbp.handcheck import Verdict, check_hand, check_hand_file, parse_plain
from symbp.handcheck.formula import parse_formula
from symbp.handcheck.hand_input import parse_json, parse_toml

from .conftest import MOOC_WEIGHTS

BY_SOURCE = [
    ("x1", "h1"),
    ("x1", "h2"),
    ("x2", "h1"),
    ("x2", "h2"),
    ("h1", "o1"),
    ("h1", "o2"),
    ("h2", "o1"),
    ("h2", "o2"),
]
BY_TARGET = [
    ("x1", "h1"),
    ("x2", "h1"),
    ("x1", "h2"),
    ("x2", "h2"),
    ("h1", "o1"),
    ("h2", "o1"),
    ("h1", "o2"),
    ("h2", "o2"),
]
SOURCES = {"h1": ("x1", "x2"), "h2": ("x1", "x2"), "o1": ("h1", "h2"), "o2": ("h1", "h2")}
TARGETS = {"o1": 0.23, "o2": -0.07}


def student(*mistakes: str, decimals: int = 4, eta: float = 1.0) -> dict[str, float]:
    """A hand calculation of the MOOC 8.3 network, rounded at every step, with some mistakes."""

    def r(value: float) -> float:
        return round(value, decimals)

    edges = BY_TARGET if "numbering" in mistakes else BY_SOURCE
    w = {edge: MOOC_WEIGHTS[i] for i, edge in enumerate(edges)}
    a = {"x1": 0.5, "x2": 0.3}
    z: dict[str, float] = {}
    out: dict[str, float] = {}
    for unit in ("h1", "h2", "o1", "o2"):
        z[unit] = r(sum(w[(s, unit)] * a[s] for s in SOURCES[unit]))
        a[unit] = r(1 / (1 + math.exp(-z[unit])))
        out[f"z_{unit}"], out[unit] = z[unit], a[unit]
    scale = 2.0 if "half_dropped" in mistakes else 0.5 if "half_doubled" in mistakes else 1.0
    out["L"] = r(scale * 0.5 * sum((a[o] - y) ** 2 for o, y in TARGETS.items()))

    def sigma_prime(unit: str) -> float:
        if "missing_sigma_prime" in mistakes:
            return 1.0
        if "sigma_prime_of_z" in mistakes:
            return z[unit] * (1 - z[unit])
        return a[unit] * (1 - a[unit])

    delta: dict[str, float] = {}
    for o, y in TARGETS.items():
        error = (y - a[o]) if "output_error_sign" in mistakes else (a[o] - y)
        out[f"dL/d{o}"] = r(scale * error)
        delta[o] = r(scale * error * sigma_prime(o))
    gradient = {edge: r(delta[edge[1]] * a[edge[0]]) for edge in edges if edge[1] in TARGETS}
    if "learning_rate" in mistakes:
        eta = eta / 2
    for h in ("h1", "h2"):
        terms = []
        for o in TARGETS:
            if f"dropped_path_{o}" in mistakes:
                continue
            if "added_gradients" in mistakes:
                terms.append(gradient[(h, o)])
            elif "updated_output_weights" in mistakes:
                terms.append(delta[o] * r(w[(h, o)] - eta * gradient[(h, o)]))
            else:
                terms.append(delta[o] * w[(h, o)])
        out[f"dL/d{h}"] = r(sum(terms))
        delta[h] = r(sum(terms) * sigma_prime(h))
    sign = -1.0 if "update_sign" in mistakes else 1.0
    for unit in ("o1", "o2", "h1", "h2"):
        out[f"delta_{unit}"] = delta[unit]
    for i, edge in enumerate(edges):
        out[f"dL/dw{i + 1}"] = r(delta[edge[1]] * a[edge[0]])
    for i, edge in enumerate(edges):
        out[f"w{i + 1}_new"] = r(w[edge] - sign * eta * out[f"dL/dw{i + 1}"])
    return out


def as_plain(values: dict[str, float], decimals: int = 4) -> str:
    return "".join(f"{name} = {value:.{decimals}f}\n" for name, value in values.items())


MISTAKES = [
    "output_error_sign",
    "missing_sigma_prime",
    "sigma_prime_of_z",
    "half_dropped",
    "half_doubled",
    "added_gradients",
    "dropped_path_o1",
    "dropped_path_o2",
    "updated_output_weights",
    "update_sign",
    "numbering",
    "learning_rate",
]


def test_a_four_decimal_hand_calculation_is_right_throughout() -> None:
    report = check_hand(parse_plain(as_plain(student())))
    assert len(report.judgements) == 33  # 8 forward, L, 4 ∂L/∂a, 4 δ, 8 gradients, 8 updates
    assert [j.key for j in report.judgements if j.verdict is Verdict.WRONG] == []
    assert report.all_right
    assert report.diagnoses == ()


def test_a_two_decimal_calculation_is_right_to_its_precision() -> None:
    values = student(decimals=2)
    report = check_hand(parse_plain(as_plain(values, 2)))
    verdicts = {j.key: j.verdict for j in report.judgements}
    assert Verdict.WRONG not in verdicts.values()
    # rounding carried from h1 = 0.56 and o1 = 0.48 moves some later values off the true
    # value's rounding: right only to the stated precision
    assert Verdict.RIGHT_TO_PRECISION in verdicts.values()


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_catalogue_mistake_is_named_first(mistake: str) -> None:
    values = student(mistake)
    assert values != student(), "the mistake changed nothing"
    report = check_hand(parse_plain(as_plain(values)))
    assert not report.all_right
    assert report.diagnoses, "no diagnosis"
    first = report.diagnoses[0]
    assert first.keys == (mistake,)
    assert first.complete


@pytest.mark.parametrize(
    "pair",
    [
        ("missing_sigma_prime", "update_sign"),
        ("half_dropped", "added_gradients"),
        ("output_error_sign", "numbering"),
    ],
)
def test_a_pair_of_mistakes_is_named_first(pair: tuple[str, str]) -> None:
    report = check_hand(parse_plain(as_plain(student(*pair))))
    assert set(report.diagnoses[0].keys) == set(pair)
    assert report.diagnoses[0].complete


def test_the_learning_rate_and_spec_can_be_given(tmp_path: Path) -> None:
    values = student(eta=0.5)
    spec = Path(__file__).parent.parent / "examples" / "mooc_8_3.toml"
    text = f"spec = {spec}\neta = 0.5\n" + as_plain(values)
    path = tmp_path / "mine.txt"
    path.write_text(text)
    report = check_hand_file(str(path))
    assert report.all_right and report.learning_rate == 0.5
    # the same numbers judged with the spec's learning rate 1: the updates are off by half
    wrong = check_hand(parse_plain(as_plain(values)))
    assert {j.key for j in wrong.entry_points} == {f"w{i}_new" for i in range(1, 9)}
    assert wrong.diagnoses[0].keys == ("learning_rate",)
    assert wrong.diagnoses[0].mistakes[0].change == {"learning_rate": 0.5}


def test_the_error_is_located_where_it_entered() -> None:
    values = student()
    values["delta_h1"] = round(-values["delta_h1"], 4)  # a sign slip in δ_h1 alone
    values["dL/dw1"] = round(values["delta_h1"] * 0.5, 4)  # carried on correctly
    values["dL/dw3"] = round(values["delta_h1"] * 0.3, 4)
    values["w1_new"] = round(0.2 - values["dL/dw1"], 4)
    values["w3_new"] = round(0.5 - values["dL/dw3"], 4)
    report = check_hand(parse_plain(as_plain(values)))
    assert [j.key for j in report.entry_points] == ["delta_h1"]
    wrong = {j.key: j.follows_from for j in report.wrong}
    assert set(wrong) == {"delta_h1", "dL/dw1", "dL/dw3", "w1_new", "w3_new"}
    assert wrong["w1_new"] == ("delta_h1",)
    # a lone sign slip in δ_h1 is no classic mistake of the catalogue
    assert not any(d.complete for d in report.diagnoses)


def test_the_courses_plus_001_is_the_added_gradients_mistake() -> None:
    # the course's gradients at 2 decimals: +0.01 for w1 and w3, the others as torch finds them
    # (0.0126, 0.0076, 0.0346, 0.0839, 0.0305, 0.0738: tests/conftest.py)
    course = "dL/dw1 = 0.01\ndL/dw2 = 0.01\ndL/dw3 = 0.01\ndL/dw4 = 0.01\n"
    course += "dL/dw5 = 0.03\ndL/dw6 = 0.08\ndL/dw7 = 0.03\ndL/dw8 = 0.07\n"
    report = check_hand(parse_plain(course))
    assert [j.key for j in report.entry_points] == ["dL/dw1", "dL/dw3"]
    assert report.diagnoses[0].keys == ("added_gradients",)
    assert report.diagnoses[0].complete
    # w1 and w3 alone do not tell it from a flipped output error, which also gives +0.01 twice
    alone = check_hand(parse_plain("dL/dw1 = 0.01\ndL/dw3 = 0.01\n"))
    assert {d.keys for d in alone.diagnoses if d.complete} >= {
        ("added_gradients",),
        ("output_error_sign",),
    }


@pytest.mark.parametrize(
    ("written", "verdict"),
    [
        ("0.01", Verdict.RIGHT),
        ("0.0126", Verdict.RIGHT),
        ("0.013", Verdict.RIGHT),
        ("0.0127", Verdict.WRONG),
        ("0.02", Verdict.WRONG),
        ("-0.01", Verdict.WRONG),
    ],
)
def test_precision_is_read_from_the_decimals(written: str, verdict: Verdict) -> None:
    # ∂L/∂w2 = 0.0126066531 (tests/conftest.py)
    report = check_hand(parse_plain(f"grad_w2 = {written}\n"))
    assert report.judgements[0].verdict is verdict


def test_toml_and_json_keep_the_written_decimals() -> None:
    toml = check_hand(parse_toml('dL_dw5 = 0.0350\n"δ_o1" = 0.0616\neta = 1\n'))
    assert [(j.key, j.decimals) for j in toml.judgements] == [("delta_o1", 4), ("dL/dw5", 4)]
    assert toml.judgements[1].verdict is Verdict.WRONG  # 0.0346 is not 0.0350 at 4 decimals
    document = json.dumps({"w1'": 0.2084, "dL/dw1": "-0.0084"})
    report = check_hand(parse_json(document))
    assert report.all_right
    assert [j.decimals for j in report.judgements] == [4, 4]


@pytest.mark.parametrize(
    ("line", "method"),
    [
        ("dL/dw1 = delta_h1 * x1", "algebra"),
        ("dL/dw5 = (o1 - y1)*o1*(1 - o1)*h1", "algebra"),
        ("δ_h1 = (δ_o1·w5 + δ_o2·w6)·h1·(1 − h1)", "algebra"),
        ("L = 1/2*(o1 - y1)^2 + 0.5*(o2 - y2)²", "algebra"),
        ("h1 = 1/(1 + exp(-z_h1))", "sampled"),
        ("w1_new = w1 - eta*delta_h1*x1", "algebra"),
        ("dL/dw5 = delta_o1 * h1 = 0.0346", "algebra"),
    ],
)
def test_right_formulas_are_equal(line: str, method: str) -> None:
    report = check_hand(parse_plain(line))
    assert report.all_right, report.formulas
    assert report.formulas[0].method == method


def test_a_wrong_formula_differs_and_is_diagnosed() -> None:
    report = check_hand(parse_plain("dL/dw1 = (dL/dw5 + dL/dw6) * h1*(1-h1) * x1\n"))
    check = report.formulas[0]
    assert not check.equal and check.method == "differs"
    assert check.point is not None and check.point["w1"] == 0.2  # the network's own values
    # worked by hand: (0.0346329893 + 0.0838660995) · h1(1 − h1) · 0.5, h1 = σ(0.25)
    h1 = 1 / (1 + math.exp(-0.25))
    assert check.student_value == pytest.approx(0.1184990888 * h1 * (1 - h1) * 0.5, abs=1e-9)
    assert report.diagnoses[0].keys == ("added_gradients",)
    assert report.diagnoses[0].formulas_matched == ("dL/dw1",)


def test_a_formula_that_only_matches_by_chance_is_not_the_variants() -> None:
    # 0.0145833 is the added-gradients value of ∂L/∂w1 at the network's numbers, written as a
    # formula in the network's numbers: the same value there, but no formula of the variant
    line = "dL/dw1 = (0.0346329893 + 0.0838660995) * 0.5621765009*(1-0.5621765009) * 0.5"
    report = check_hand(parse_plain(line))
    assert report.diagnoses[0].keys == ("added_gradients",)
    assert report.diagnoses[0].formulas_matched == ()


HOSTILE = [
    "__import__('os').system('touch {canary}')",
    "h1.__class__",
    "(lambda: 0)()",
    "9**9**9**9",
    "2^(10^10)",
    "exp(" * 40 + "1" + ")" * 40,
    "open('{canary}', 'w')",
    "x1[0]",
    "x1; import os",
]


@pytest.mark.parametrize("formula", HOSTILE)
def test_hostile_formulas_are_refused(formula: str, tmp_path: Path) -> None:
    canary = tmp_path / "executed"
    text = f"dL/dw1 = {formula.format(canary=canary)}\n"
    with pytest.raises(FormulaError) as error:
        check_hand(parse_plain(text))
    assert "\n" not in str(error.value)
    assert not canary.exists()


def test_a_megabyte_line_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FormulaError, match="longer than"):
        parse_formula("x1*" * 350_000 + "x1", lambda name: None)
    with pytest.raises(HandInputError, match="longer than"):
        parse_plain("dL/dw1 = " + "1+" * 500_000 + "1\n")
    path = tmp_path / "big.txt"
    path.write_text("dL/dw1 = " + "x1*" * 350_000 + "x1\n")
    result = run_cli("check-hand", str(path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "larger than" in result.stderr


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "symbp", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_cli_exit_status(tmp_path: Path) -> None:
    right = tmp_path / "right.txt"
    right.write_text("# all of it, 4 decimals\n" + as_plain(student()))
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(as_plain(student("added_gradients")))
    unknown = tmp_path / "unknown.txt"
    unknown.write_text("dL/dw9 = 0.1\n")
    hostile = tmp_path / "hostile.txt"
    hostile.write_text("dL/dw1 = __import__('os').system('id')\n")

    ok = run_cli("check-hand", str(right))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.rstrip().lower().endswith("all right.")
    bad = run_cli("check-hand", str(wrong), "--format", "json")
    assert bad.returncode == 1, bad.stderr
    document = json.loads(bad.stdout)
    assert document["diagnoses"][0]["mistakes"][0]["key"] == "added_gradients"
    assert document["error_entered_at"] == ["dL/dh1", "dL/dh2"]  # Σ ∂L/∂w instead of Σ δ·w
    for path, message in (
        (unknown, "unknown quantity 'dL/dw9'"),
        (hostile, "unexpected character"),
        (tmp_path / "absent.txt", "cannot read"),
    ):
        result = run_cli("check-hand", str(path))
        assert result.returncode == 2
        assert result.stdout == ""
        assert message in result.stderr and result.stderr.count("\n") == 1


def test_check_hand_does_not_import_torch(tmp_path: Path) -> None:
    path = tmp_path / "mine.txt"
    path.write_text("dL/dw1 = 0.01\n")
    code = (
        "import sys\n"
        "from symbp.cli import main\n"
        f"assert main(['check-hand', {str(path)!r}]) == 1\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_example_file_reproduces_the_course() -> None:
    example = Path(__file__).parent.parent / "examples" / "hand_mooc_8_3.txt"
    result = run_cli("check-hand", str(example))
    assert result.returncode == 1, result.stderr
    assert "1. the downstream weights' gradients are added instead of δ·w" in result.stdout
