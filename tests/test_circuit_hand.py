"""check-hand on circuit homework (issue 20 item 7): twelve files as students write them, each
verdict worked out by hand in the comments (not by symbp)."""

from __future__ import annotations

import pytest

from symbp.api.circuit import check_hand
from symbp.cli import main
from symbp.core.circuit import read_circuit

CS231N = ("q = x + y; f = q * z", {"x": -2.0, "y": 5.0, "z": -4.0})
# q = 3, f = -12; df/dq = z = -4, df/dz = q = 3, df/dx = df/dy = df/dq = -4
FAN_OUT = ("t = x * y; f = t + x", {"x": 3.0, "y": 2.0})
# t = 6, f = 9; df/dt = 1, df/dy = x = 3, df/dx = 1·y + 1 = 3 (two uses added)
SUBTRACT = ("s = x - y; f = s * z", {"x": 5.0, "y": 2.0, "z": 3.0})
# s = 3, f = 9; df/ds = z = 3, df/dz = s = 3, df/dx = 3, df/dy = -3
SIGMOID = ("t = w * x; f = sigmoid(t)", {"w": 2.0, "x": 1.5})
# t = 3, f = σ(3) = 0.95257413; σ' = f(1 - f) = 0.04517666; df/dw = 0.04517666·1.5 = 0.06776499,
# df/dx = 0.04517666·2 = 0.09035332
LECTURE = ("e = a * b; d = e + c; L = d * f", {"a": 2.0, "b": -3.0, "c": 10.0, "f": -2.0})
# e = -6, d = 4, L = -8; dL/dd = f = -2, dL/df = d = 4, dL/de = dL/dc = -2,
# dL/da = -2·b = 6, dL/db = -2·a = -4
TANH = ("t = x * y; f = tanh(t)", {"x": 0.5, "y": 1.0})
# t = 0.5, f = tanh(0.5) = 0.46211716; 1 - f² = 0.78644773; df/dx = 0.78644773·1,
# df/dy = 0.78644773·0.5 = 0.39322387

R, C, W = "right", "carried", "wrong"

FILES = [
    # 1. all right, integers as worked
    (CS231N, "q = 3\nf = -12\ndf/dq = -4\ndf/dz = 3\ndf/dx = -4\ndf/dy = -4",
     [(R, ""), (R, ""), (R, ""), (R, ""), (R, ""), (R, "")]),
    # 2. the multiply gate not swapped: df/dq = 1·q = 3, df/dz = 1·z = -4; x and y then carry
    #    df/dq = 3 through the add gate
    (CS231N, "df/dq = 3\ndf/dz = -4\ndf/dx = 3\ndf/dy = 3",
     [(W, "multiply_not_swapped"), (W, "multiply_not_swapped"), (C, ""), (C, "")]),
    # 3. fan-out not added: df/dx given as the multiply term alone, 1·y = 2
    (FAN_OUT, "t = 6\nf = 9\ndf/dt = 1\ndf/dy = 3\ndf/dx = 2",
     [(R, ""), (R, ""), (R, ""), (R, ""), (W, "fan_out_not_added")]),
    # 4. fan-out not added: df/dx given as the add gate's term alone, 1
    (FAN_OUT, "df/dx = 1\ndf/dy = 3", [(W, "fan_out_not_added"), (R, "")]),
    # 5. the subtraction's sign lost: df/dy = +3
    (SUBTRACT, "s = 3\ndf/ds = 3\ndf/dx = 3\ndf/dy = 3",
     [(R, ""), (R, ""), (R, ""), (W, "subtraction_sign_lost")]),
    # 6. right at four decimals
    (SIGMOID, "t = 3\nf = 0.9526\ndf/dt = 0.0452\ndf/dw = 0.0678\ndf/dx = 0.0904",
     [(R, ""), (R, ""), (R, ""), (R, ""), (R, "")]),
    # 7. carried rounding: σ' rounded to 0.045, then 0.045·1.5 = 0.0675 and 0.045·2 = 0.09
    (SIGMOID, "df/dt = 0.045\ndf/dw = 0.0675\ndf/dx = 0.09", [(R, ""), (R, ""), (R, "")]),
    # 8. σ' taken at the wrong value: t(1 - t) = 3·(-2) = -6; then -6·1.5 = -9, -6·2 = -12
    (SIGMOID, "f = 0.9526\ndf/dt = -6\ndf/dw = -9\ndf/dx = -12",
     [(R, ""), (W, "wrong_local_value"), (C, ""), (C, "")]),
    # 9. the first multiply gate not swapped: dL/da = -2·a = -4, dL/db = -2·b = 6
    (LECTURE, "dL/dd = -2\ndL/df = 4\ndL/de = -2\ndL/dc = -2\ndL/da = -4\ndL/db = 6",
     [(R, ""), (R, ""), (R, ""), (R, ""), (W, "multiply_not_swapped"),
      (W, "multiply_not_swapped")]),
    # 10. a wrong forward value (d = 16: e·c... no catalogue name), the rest right
    (LECTURE, "e = -6\nd = 16\nL = -8\ndL/da = 6", [(R, ""), (W, ""), (R, ""), (R, "")]),
    # 11. ∂ and short spellings: ∂L/∂a, db, dc
    (LECTURE, "∂L/∂a = 6\ndb = -4\ndc = -2\ndd = -2", [(R, ""), (R, ""), (R, ""), (R, "")]),
    # 12. tanh' at the wrong value: 1 - t² = 0.75; then 0.75·1 and 0.75·0.5 = 0.375 carried
    (TANH, "f = 0.4621\ndf/dt = 0.75\ndf/dx = 0.75\ndf/dy = 0.375",
     [(R, ""), (W, "wrong_local_value"), (C, ""), (C, "")]),
]  # fmt: skip


@pytest.mark.parametrize(("case", "text", "expected"), FILES, ids=[str(i) for i in range(1, 13)])
def test_circuit_homework_verdicts(case, text, expected) -> None:
    report = check_hand(read_circuit(*case), text).report
    assert [(v.verdict, v.mistake) for v in report.verdicts] == expected


def test_check_hand_cli_on_a_circuit(tmp_path, capsys) -> None:
    homework = tmp_path / "s001.txt"
    homework.write_text("# CS231n\ndf/dq = 3\ndf/dz = -4\n", encoding="utf-8")
    args = ["check-hand", str(homework), "--expr", "q = x + y; f = q * z", "--at", "x=-2,y=5,z=-4"]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "a multiply gate's local gradient is the other input's value" in out
    for lang in ("en", "zh"):
        assert main([*args, "--lang", lang, "--format", "json"]) == 1
    homework.write_text("dq/dw = 3\n", encoding="utf-8")
    assert main(args) == 2
    assert "not a node" in capsys.readouterr().err


# The trial of issue 20 (a TA's class): q = x·y, r = q − z, s = r·x, f = σ(s) at x = 0.5,
# y = −1, z = 0.5. By hand: q = −0.5, r = −1, s = −0.5, f = σ(−0.5) = 0.37754067,
# df/ds = f(1 − f) = 0.23500371, df/dr = 0.5·df/ds = 0.11750186 = df/dq, df/dz = −0.11750186,
# df/dy = x·df/dq = 0.05875093, df/dx = r·df/ds + y·df/dq = −0.23500371 − 0.11750186 = −0.35250557.
TRIAL = ("q = x * y; r = q - z; s = r * x; f = sigmoid(s)", {"x": 0.5, "y": -1.0, "z": 0.5})
TOO_FEW = "too few decimals"
TRIAL_FILES = [
    # an integer states no rounding: 0 for −0.5, −1 for −0.5 and 0 for 0.0588 only round to
    # the true value, so they are "too few decimals", never right (precision.py rule 2)
    ("q = 0\ns = -1\ndf/dy = 0\nr = -1", [(TOO_FEW, ""), (TOO_FEW, ""), (TOO_FEW, ""), (R, "")]),
    # one forward slip, q = −0.6; then r = −0.6 − 0.5 = −1.1, s = −0.55, f = σ(−0.55) = 0.3659,
    # df/ds = 0.3659·0.6341 = 0.2320, df/dr = df/dq = 0.116, df/dz = −0.116,
    # df/dy = 0.5·0.116 = 0.058, df/dx = −1.1·0.232 − 1·0.116 = −0.3712: all from their numbers
    (
        "q = -0.6\nr = -1.1\ns = -0.55\nf = 0.3659\ndf/ds = 0.2320\ndf/dr = 0.1160\n"
        "df/dq = 0.1160\ndf/dz = -0.1160\ndf/dy = 0.0580\ndf/dx = -0.3712",
        [(W, "")] + [(C, "")] * 9,
    ),
    # r = 0 wrong; then s = 0·0.5 = 0, f = σ(0) = 0.5, df/ds = 0.25, df/dr = df/dq = 0.125,
    # df/dy = 0.0625, df/dx = 0·0.25 + (−1)·0.125 = −0.125: added, carried (no fan-out mistake)
    (
        "q = -0.5\nr = 0\ns = 0\nf = 0.5\ndf/ds = 0.25\ndf/dr = 0.125\ndf/dq = 0.125\n"
        "df/dz = -0.125\ndf/dy = 0.0625\ndf/dx = -0.125",
        [(R, ""), (W, "")] + [(C, "")] * 8,
    ),
    # everything at two decimals: df/dx = −1.00·0.24 + (−1)·0.12 = −0.36 is rounding carried
    # from the student's own right numbers (true −0.3525): right
    (
        "q = -0.50\nr = -1.00\ns = -0.50\nf = 0.38\ndf/ds = 0.24\ndf/dr = 0.12\ndf/dq = 0.12\n"
        "df/dz = -0.12\ndf/dy = 0.06\ndf/dx = -0.36",
        [(R, "")] * 10,
    ),
]


@pytest.mark.parametrize(("text", "expected"), TRIAL_FILES, ids=["integers", "slip", "r0", "2dp"])
def test_the_trials_homework(text, expected) -> None:
    report = check_hand(read_circuit(*TRIAL), text).report
    assert [(v.verdict, v.mistake) for v in report.verdicts] == expected
    assert report.all_right == all(v == R for v, _ in expected)


def test_networks_spellings_are_read_for_a_circuit() -> None:
    """The spellings docs/check-hand.md lists for networks (trial of issue 20): ':', '≈', full
    width, a working chain whose last number is the answer, '(rounded)'; the values are the
    trial's, worked by hand above (df/dz = −0.11750186, df/dx = −0.35250557, q = −0.5)."""
    text = (
        "df/dz: -0.1175\n"
        "df/dx ≈ -0.3525\n"
        "df/dq = 1 × 0.1175 = 0.1175\n"
        "df/dr = 0.1175 (rounded)\n"
        "ｑ ＝ －０．５\n"
    )
    report = check_hand(read_circuit(*TRIAL), text).report
    assert [(v.node, v.gradient, v.verdict) for v in report.verdicts] == [
        ("z", True, R), ("x", True, R), ("q", True, R), ("r", True, R), ("q", False, R)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("df/dq = 0.1175\ndq = 0.1175", "q's gradient is given twice"),
        ("q = -0.5\nq = -0.5", "'q' is given twice"),
        ("q = x * y", "q is given no number: write a decimal"),
        ("q = 1/0", "1/0 divides by zero"),
        ("q = 1/-3", "q is given no number"),
    ],
)
def test_a_quantity_given_twice_or_without_a_number_is_refused(text, message) -> None:
    from symbp.errors import HandInputError

    with pytest.raises(HandInputError, match=message):
        check_hand(read_circuit(*TRIAL), text)


THIRD = ("f = x / y", {"x": 1.0, "y": 3.0})
# f = 1/3; df/dx = 1/y = 1/3; df/dy = -x/y² = -1/9 = -0.1111…


@pytest.mark.parametrize(
    ("text", "verdicts"),
    [
        # fractions, exact: right at the true value, in any minus
        ("f = 1/3\ndf/dx = 2/6\ndf/dy = \u22121/9", [R, R, R]),
        # a fraction off the value is wrong, never "too few decimals" (it states no rounding)
        ("f = 1/4\ndf/dy = -1/8", [W, W]),
        # a power of ten written out, a decimal comma, a leading +
        ("df/dy = -1.111×10^-1\ndf/dx = 0,3333\nf = +0.333", [R, R, R]),
        ("df/dy = -1.11*10^(-1)\ndf/dx = 3.33e-1", [R, R]),
    ],
)
def test_fractions_and_written_powers_of_ten(text, verdicts) -> None:
    report = check_hand(read_circuit(*THIRD), text).report
    assert [v.verdict for v in report.verdicts] == verdicts
