"""check-hand's rules, one at a time: names, precision, formulas of decimals, the learning rate,
what a report says in every format. The corpus (test_hand_corpus.py) judges whole calculations;
these pin each rule down with numbers worked by hand here.

The MOOC 8.3 values used (tests/conftest.py, worked independently): h1 = σ(0.25) = 0.5621765009,
δ_o1 = 0.0616..., ∂L/∂w5 = 0.0346329893, ∂L/∂w1 = -0.0084214805.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from symbp.api.problem import HandCheck
from symbp.core.spec import spec_from_mapping
from symbp.errors import FormulaError, HandInputError
from symbp.handcheck import Verdict, check_hand, parse_plain
from symbp.handcheck.hand_input import parse_json, parse_toml

H1 = 1 / (1 + math.exp(-0.25))


def verdicts(text: str) -> dict[str, Verdict]:
    return {j.key: j.verdict for j in check_hand(parse_plain(text)).judgements}


@pytest.mark.parametrize(
    ("line", "verdict"),
    [
        ("h1 = 0.5622", Verdict.RIGHT),
        ("h1 = 0.6", Verdict.RIGHT),  # one decimal: 0.5622 rounds to 0.6
        ("h1 = 1.0", Verdict.WRONG),  # one decimal, and 0.5622 is not 1.0
        # no decimal states no rounding (precision.py): 1 is not σ(0.25) = 0.5622, only what
        # it rounds to at no decimals: too few decimals, a matter of precision
        ("h1 = 1", Verdict.TOO_FEW_DECIMALS),
        ("h1 = 0", Verdict.WRONG),  # 0.5622 does not even round to 0
        ("h1 = 0.0", Verdict.WRONG),  # one decimal: 0.5622 is 0.6
        ("dL/dw1 = 0", Verdict.TOO_FEW_DECIMALS),  # -0.0084 is not exactly 0
        ("dL/dw1 = -0.01", Verdict.RIGHT),
        ("dL/dw1 = -0.00", Verdict.WRONG),
        ("dL/dw1 = -8.4e-3", Verdict.RIGHT),
        ("dL/dw1 = -8e-3", Verdict.RIGHT),  # 3 decimals: -0.008
    ],
)
def test_a_numbers_precision_is_its_significant_decimals(line: str, verdict: Verdict) -> None:
    assert list(verdicts(line).values()) == [verdict]


def test_zero_is_right_where_the_truth_is_exactly_zero() -> None:
    # all-zero weights: every hidden gradient is exactly 0 (δ_h = Σ δ_k·0)
    spec = spec_from_mapping(
        {"layers": [2, 2, 2], "inputs": [0.5, 0.3], "targets": [0.23, -0.07], "weights": "zero"}
    )
    report = check_hand(parse_plain("dL/dw1 = 0\ndL/dw2 = 0.0\n"), spec)
    assert report.all_right


def test_carried_rounding_is_excused_only_by_the_students_own_right_inputs() -> None:
    # h1 written at 2 decimals, ∂L/∂w5 worked from it: 0.0616 × 0.56 = 0.0345 (true 0.0346)
    right = verdicts("delta_o1 = 0.0616\nh1 = 0.56\ndL/dw5 = 0.0345\n")
    assert right["dL/dw5"] is Verdict.RIGHT_TO_PRECISION
    # the same 0.0345 with no written input to explain it is wrong at 4 decimals
    assert verdicts("dL/dw5 = 0.0345\n")["dL/dw5"] is Verdict.WRONG
    # h1 = 1 is too few decimals, and what is worked from it follows from it, excused by
    # nothing; no error of the calculation entered anywhere
    gamed = check_hand(parse_plain("h1 = 1\ndelta_o1 = 0.0616\ndL/dw5 = 0.0616\n"))
    verdicts_of = {j.key: j for j in gamed.judgements}
    assert verdicts_of["h1"].verdict is Verdict.TOO_FEW_DECIMALS
    assert verdicts_of["dL/dw5"].verdict is Verdict.WRONG
    assert verdicts_of["dL/dw5"].follows_from == ("h1",)
    assert gamed.entry_points == () and not gamed.diagnoses


def test_a_formula_of_written_decimals_is_judged_at_their_precision() -> None:
    report = check_hand(parse_plain("dL/dw5 = 0.0616 × 0.5622\ndL/dw6 = 0.1492 * h1\n"))
    assert report.all_right
    assert [f.method for f in report.formulas] == ["numbers", "numbers"]
    # worked by hand: 0.0616·0.5622 = 0.03463152, and the decimals' rounding may move it by
    # 0.00005·0.5622 + 0.0616·0.00005 = 3.119e-5
    check = report.formulas[0]
    assert check.student_value == pytest.approx(0.03463152, abs=1e-12)
    assert check.tolerance == pytest.approx(0.00005 * 0.5622 + 0.0616 * 0.00005, rel=1e-6)
    # the same product with a wrong factor is no closer than its precision allows
    wrong = check_hand(parse_plain("dL/dw5 = 0.0616 × 0.5922\n"))
    assert not wrong.all_right and wrong.formulas[0].method == "differs"


def test_a_formula_and_its_numbers_substituted_are_both_checked() -> None:
    report = check_hand(parse_plain("dL/dw5 = δ_o1·h1 = 0.0616 × 0.5622 = 0.0346\n"))
    assert [f.method for f in report.formulas] == ["algebra", "numbers"]
    assert report.all_right


@pytest.mark.parametrize(
    "line",
    [
        "dL/dw1 = -0.0084",
        "dL/dw1: -0.0084",
        "dL/dw1 ≈ -0.0084",
        "dL/dw1 = ≈ -0.0084",
        "dL/dw1 = -0.0084 (rounded)",
        "dL/dw1 = -0.0084 rounded",
        "dL/dw1 = -0,0084",
        "dL/dw1 = −0.0084",
        "dL/dw1 = –0.0084",
        "dE/dw1 = -0.0084",
        "∂E/∂w1 = -0.0084",
        "∂L/∂w₁ = -0.0084",
        "grad_w1 = -0.0084",
        "grad w1 = -0.0084",
        "dL_dw1 = -0.0084",
        "dL/dW1 = -0.0084",
        '"dL/dw1" = -0.0084',
        "w1的梯度 = -0.0084",
        "w1 的梯度 = -0.0084",
        "梯度 w1 = -0.0084",
        "梯度w1 = -0.0084（四舍五入）",
        "ｄＬ／ｄｗ１　＝　－０．００８４",
        "dL/dw1 ＝ -0.0084",
    ],
)
def test_students_spellings_of_one_gradient(line: str) -> None:
    report = check_hand(parse_plain(line))
    assert [(j.key, j.verdict) for j in report.judgements] == [("dL/dw1", Verdict.RIGHT)]
    assert report.judgements[0].value == -0.0084


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("h1 的输出", "h1"),
        ("out_h1", "h1"),
        ("h1的净输入", "z_h1"),
        ("net_h1", "z_h1"),
        ("zh1", "z_h1"),
        ("h1的误差项", "delta_h1"),
        ("误差项 h1", "delta_h1"),
        ("δ_h1", "delta_h1"),
        ("dE/dnet_h1", "delta_h1"),
        ("∂L/∂z_h1", "delta_h1"),
        ("dE/dout_h1", "dL/dh1"),
        ("更新后的w1", "w1_new"),
        ("w1′", "w1_new"),
        ("w1+", "w1_new"),
        ("Δw1", "Δw1"),
        ("delta_w1", "Δw1"),
        ("总误差", "L"),
        ("E_total", "L"),
    ],
)
def test_names_students_use(name: str, key: str) -> None:
    report = check_hand(parse_plain(f"{name} = 0.5\n"))
    assert [j.key for j in report.judgements] == [key]


def test_names_differing_only_in_case_stay_apart() -> None:
    # explicit weights B and b: each name means its own weight, and W1-style case slips only
    # resolve where one name fits
    names = ["B", "b", "c", "d", "e5", "f", "g", "k"]
    spec = spec_from_mapping(
        {
            "layers": [2, 2, 2],
            "numbering": "explicit",
            "weight_names": names,
            "inputs": [0.5, 0.3],
            "targets": [0.23, -0.07],
            "weights": [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8],
        }
    )
    report = check_hand(parse_plain("dL/dB = 0.1\ndL/db = 0.2\ndL/dE5 = 0.3\n"), spec)
    assert [j.key for j in report.judgements] == ["dL/dB", "dL/db", "dL/de5"]
    # B is x1→h1 and b is x1→h2 (by-source order): their true gradients are the MOOC's w1, w2
    assert [round(j.true_value, 10) for j in report.judgements[:2]] == [-0.0084214805, 0.0126066531]
    # C is no weight, and ignoring case only c fits; q fits nothing
    assert [j.key for j in check_hand(parse_plain("dL/dC = 0.1\n"), spec).judgements] == ["dL/dc"]
    with pytest.raises(HandInputError, match="unknown quantity 'dL/dq'"):
        check_hand(parse_plain("dL/dq = 0.1\n"), spec)


def test_an_unknown_name_is_quoted_with_the_nearest_known_one() -> None:
    with pytest.raises(HandInputError) as error:
        check_hand(parse_plain("dL/dw = 0.1\n"))
    message = str(error.value)
    assert "line 1: unknown quantity 'dL/dw'; did you mean 'dL/dw" in message
    listed = re.search(r"\(names: (.*)\)$", message)
    assert listed is not None
    known = {"z_h1", "z_h2", "z_o1", "z_o2", "h1", "h2", "o1", "o2", "L", "…"}
    units = ("o1", "o2", "h1", "h2")
    known |= {f"dL/d{u}" for u in units} | {f"delta_{u}" for u in units}
    known |= {f"dL/dw{i}" for i in range(1, 9)} | {f"w{i}_new" for i in range(1, 9)}
    known |= {f"Δw{i}" for i in range(1, 9)}
    assert set(listed.group(1).split(", ")) <= known  # whole names, never cut mid-name


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "nothing to check"),
        ("# only comments\n\n", "nothing to check"),
        ("eta = 0.5\n", "nothing to check"),
        ("eta = -1\ndL/dw1 = 0.01\n", "the learning rate must be positive"),
        ("η = 0\ndL/dw1 = 0.01\n", "the learning rate must be positive"),
        ("dL/dw1 = 1,234\n", "could be 1234 or 1.234"),
        ("dL/dw1 = dL/dw1\n", "uses ∂L/∂w1 itself"),
        ("dL/dw1 = 2*delta_h1*x1 - dL/dw1\n", "uses ∂L/∂w1 itself"),
        ("dL/dw1 = exp(exp(exp(1000)))\n", "overflows"),
        ("dL/dw1 = σ(exp(exp(exp(10))))\n", "overflows"),
        ("dL/dw1 = x1^(0*ln(0))\n", "undefined"),
        ("dL/dw1 = ((x1+w1)^10)^10\n", "too high"),
        ("dL/dw1 = 2*1e99999999\n", "out of range"),
        ("dL/dw1 = 1 2 3\n", "unexpected"),
    ],
)
def test_bad_lines_are_one_error_naming_the_line(text: str, message: str) -> None:
    with pytest.raises((HandInputError, FormulaError)) as error:
        check_hand(parse_plain(text))
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_negative_learning_rate_from_python_is_refused() -> None:
    with pytest.raises(HandInputError, match="positive"):
        check_hand(parse_plain("dL/dw1 = 0.01\n"), learning_rate=-0.5)


def test_toml_and_json_keys_follow_the_same_rules() -> None:
    toml = check_hand(parse_toml('"w1的梯度" = -0.0084\n"∂L/∂w₅" = "0,0346"\n'))
    assert [(j.key, j.verdict) for j in toml.judgements] == [
        ("dL/dw1", Verdict.RIGHT),
        ("dL/dw5", Verdict.RIGHT),
    ]
    document = json.dumps({"ｄＬ／ｄｗ１": "−0.0084 (rounded)"}, ensure_ascii=False)
    assert check_hand(parse_json(document)).all_right


def test_a_plain_file_holding_json_is_read_as_json(tmp_path: Path) -> None:
    from symbp.handcheck import check_hand_file

    path = tmp_path / "mine.txt"
    path.write_text('{"dL/dw1": "-0.0084"}', encoding="utf-8")
    assert check_hand_file(str(path)).all_right


def test_text_markdown_html_and_json_say_the_same_about_each_diagnosis() -> None:
    # one wrong number that two variants reproduce partly: w1 from adding gradients (+0.0146)
    # and w2 from nothing in the catalogue (a digit slip)
    text = "dL/dw1 = 0.0146\ndL/dw2 = 0.0162\ndL/dw5 = 0.0346\n"
    report = check_hand(parse_plain(text))
    assert report.diagnoses == () and report.partial
    result = HandCheck(report)
    plain = result.render("text")
    document = json.loads(result.render("json"))
    markdown = result.render("markdown")
    page = result.render("html")
    assert document["diagnoses"] == [] and len(document["partial_matches"]) == len(report.partial)
    for diagnosis, entry in zip(report.partial, document["partial_matches"], strict=True):
        assert entry["reproduces_every_wrong_number"] is diagnosis.reproduces_all is False
        coverage = f"reproduces {len(diagnosis.explained)} of {diagnosis.total_wrong} wrong numbers"
        for rendered in (plain, markdown, page):
            assert coverage in rendered
            assert "reproduces every wrong number" not in rendered
    for rendered in (plain, markdown, page):
        assert "Partly matches" in rendered
        assert "catalogue of classic mistakes reproduces them all" in rendered


def test_learning_rate_pairs_are_named_together() -> None:
    # w1_new worked with η = 0.5 and the update's sign flipped: 0.2 + 0.5·(-0.0084) = 0.1958
    lines = [f"dL/dw{i} = {g}" for i, g in enumerate(GRADIENTS_4DP, start=1)]
    lines += [
        f"w{i}_new = {w + 0.5 * g:.4f}"
        for i, (w, g) in enumerate(zip(WEIGHTS, GRADIENTS_4DP, strict=True), start=1)
    ]
    report = check_hand(parse_plain("\n".join(lines)))
    assert set(report.diagnoses[0].keys) == {"update_sign", "learning_rate"}
    assert report.diagnoses[0].mistakes[-1].change == {"learning_rate": 0.5}


WEIGHTS = (0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8)
GRADIENTS_4DP = (-0.0084, 0.0126, -0.0051, 0.0076, 0.0346, 0.0839, 0.0305, 0.0738)


def test_h1_is_sigma_of_a_quarter() -> None:
    assert check_hand(parse_plain(f"h1 = {H1:.10f}\n")).all_right
