"""Circuit exercises (issue 20, item 4): each student's own input values for one expression,
their keys checked against torch autograd and central differences on the expression written
here in plain torch, the offline self-check page driven in real Chromium judging a class's
submissions (right, rounded, each catalogue mistake made by hand here, carried errors, slips)
exactly as `symbp check-hand` judges the same numbers, no answer value in a page's source, and
the Moodle quiz read back as Moodle's cloze parser reads it."""

from __future__ import annotations

import csv
import json
import math
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from symbp.cli import main

from .conftest import require_module, require_tool

#: a multiply, a subtraction, a one-input gate (tanh), a max, a fan-out (x, y and c are each
#: used twice) and a logarithm whose argument must be drawn positive
EXPRESSION = "a = x * y; b = a - z; c = tanh(b); d = max(c, x); f = d * log(y) + c"
STUDENTS = 4


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("circuit-exercise") / "ex"
    argv = ["exercise", "--expr", EXPRESSION, "--at", "x=1,y=2,z=0.5"]
    argv += ["--count", str(STUDENTS), "--seed", "11", "--out", str(out), "--interactive"]
    argv += ["--moodle", str(out.parent / "quiz.xml")]
    assert main(argv) == 0
    return out


def given(folder: Path, student: str) -> dict[str, float]:
    spec = tomllib.loads((folder / student / "spec.toml").read_text(encoding="utf-8"))
    assert spec["expression"].replace("\n", "; ") == EXPRESSION
    return {k: float(v) for k, v in spec["values"].items()}


def key_rows(folder: Path) -> dict[str, dict[str, float]]:
    rows = csv.DictReader((folder / "key.csv").read_text(encoding="utf-8").splitlines())
    return {row.pop("id"): {k: float(v) for k, v in row.items()} for row in rows}


def by_torch(values: dict[str, float]) -> dict[str, float]:
    """Every node's value and gradient of EXPRESSION, written here in plain torch."""
    require_module("torch")
    import torch

    x, y, z = (torch.tensor(values[n], dtype=torch.float64, requires_grad=True) for n in "xyz")
    a = x * y
    b = a - z
    c = torch.tanh(b)
    d = torch.maximum(c, x)
    t1 = torch.log(y)
    t2 = d * t1
    f = t2 + c
    nodes = {"a": a, "b": b, "c": c, "d": d, "t1": t1, "t2": t2}
    for node in nodes.values():
        node.retain_grad()
    f.backward()
    found = {name: float(node.detach()) for name, node in nodes.items()} | {"f": float(f.detach())}
    for name, node in (*nodes.items(), ("x", x), ("y", y), ("z", z)):
        assert node.grad is not None
        found[f"df/d{name}"] = float(node.grad)
    return found


def plain_f(x: float, y: float, z: float) -> float:
    c = math.tanh(x * y - z)
    return max(c, x) * math.log(y) + c


def test_every_students_key_agrees_with_torch_and_central_differences(folder: Path) -> None:
    keys = key_rows(folder)
    assert list(keys) == [f"s{n:03d}" for n in range(1, STUDENTS + 1)]
    draws = set()
    for student, key in keys.items():
        values = given(folder, student)
        draws.add(tuple(values.values()))
        assert values["y"] > 0  # drawn where log(y) is defined
        assert all(v == round(v, 1) and v != 0 and -2 <= v <= 2 for v in values.values())
        truth = by_torch(values)
        assert set(key) == set(truth)
        for name, number in key.items():
            assert abs(number - truth[name]) <= 0.5e-4 + 1e-12, (student, name)
        h = 1e-6
        for name in "xyz":
            up, down = dict(values), dict(values)
            up[name] += h
            down[name] -= h
            fd = (plain_f(**up) - plain_f(**down)) / (2 * h)
            assert abs(key[f"df/d{name}"] - fd) <= 0.5e-4 + 1e-6, (student, name)
    assert len(draws) == STUDENTS  # each student their own numbers


def test_no_self_check_page_holds_an_answer(folder: Path) -> None:
    from .test_selfcheck_key import leaks

    checked = 0
    for student, key in key_rows(folder).items():
        page = (folder / student / "selfcheck.html").read_text(encoding="utf-8")
        truth = by_torch(given(folder, student))
        assert leaks(page, truth) == [], student
        assert leaks(page + f" {key['df/dx']:.4f}", truth)  # the scan is not blind
        checked += len(truth)
    assert checked >= 40


def submissions(folder: Path) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """(student, {key: text}, {key: the verdict and mistake worked out here}) per submission:
    each mistake made by hand from torch's true numbers."""
    cases = []
    for student in sorted(key_rows(folder)):
        values = given(folder, student)
        x, y = values["x"], values["y"]
        t = by_torch(values)
        right = {k: f"{v:.4f}" for k, v in t.items() if k != "df/df"}
        cases.append((student, right, {}))
        cases.append((student, {k: f"{v:.2f}" for k, v in t.items() if k != "df/df"}, {}))
        routed_x = 1.0 if x > t["c"] else 0.0  # max sends d's gradient to x or to c

        made = (
            # a multiply gate's gradient not swapped: ∂a/∂x taken as x instead of y
            ("df/dx", t["df/da"] * x + t["df/dd"] * routed_x, "multiply_not_swapped"),
            # a subtraction's second input given +upstream
            ("df/dz", t["df/db"], "subtraction_sign_lost"),
            # tanh′ taken at its input: 1 − b² instead of 1 − c²
            ("df/db", t["df/dc"] * (1 - t["b"] ** 2), "wrong_local_value"),
            # c feeds the max and the sum: only the sum's term (1) written
            ("df/dc", 1.0, "fan_out_not_added"),
        )
        for key, wrong, name in made:
            if abs(wrong - t[key]) > max(2e-4, 0.02 * abs(t[key])):  # else it is no mistake
                cases.append((student, {key: f"{wrong:.4f}"}, {key: name}))
        # an error in df/da carried down to df/dx and df/dy by the right arithmetic
        slipped = t["df/da"] + 0.5
        carried = {
            "df/da": f"{slipped:.4f}",
            "df/dx": f"{slipped * y + t['df/dd'] * routed_x:.4f}",
            "df/dy": f"{slipped * x + t['df/dt1'] / y:.4f}",
        }
        cases.append((student, carried, {"df/dx": "carried", "df/dy": "carried"}))
        # a slip in c; d typed with a Unicode minus sign, as it is right
        slip = dict(right, c=f"{t['c'] + 0.1:.4f}", d=right["d"].replace("-", "−"))
        cases.append((student, slip, {"c": "wrong"}))
        # a forward slip in a, then b = a − z and c = tanh(b) worked from it: carried; an
        # integer for a value that only rounds to it states no rounding: too few decimals
        a = t["a"] + 0.1
        b = a - values["z"]
        forward = {"a": f"{a:.4f}", "b": f"{b:.4f}", "c": f"{math.tanh(b):.4f}"}
        cases.append((student, forward, {"a": "wrong", "b": "carried", "c": "carried"}))
        if abs(t["b"] - round(t["b"])) > 1e-3:
            cases.append((student, {"b": str(round(t["b"]))}, {"b": "too few decimals"}))
    return cases


def check_hand_rows(spec: Path, texts: dict[str, str], tmp_path: Path) -> list[list[str]]:
    from symbp.api.circuit import check_hand
    from symbp.core.circuit import load_circuit_spec

    circuit = load_circuit_spec(spec)
    assert circuit is not None
    report = check_hand(circuit, "".join(f"{k} = {v}\n" for k, v in texts.items())).report
    return [[v.name, v.verdict, v.mistake] for v in report.verdicts]


def page_rows(browser: object, texts: dict[str, str]) -> dict[str, object]:
    from .cdp import Browser

    assert isinstance(browser, Browser)
    script = (
        "(async () => {"
        f"const texts = {json.dumps(texts, ensure_ascii=False)};"
        "for (const input of document.querySelectorAll('input[data-key]'))"
        "  input.value = texts[input.dataset.key] || '';"
        "const form = document.getElementById('symbp-form');"
        "form.dataset.state = '';"
        "document.getElementById('symbp-check').click();"
        "while (form.dataset.state !== 'done') await new Promise(r => setTimeout(r, 5));"
        "const rows = [...document.querySelectorAll('tr[data-key]')]"
        "  .filter(r => r.dataset.verdict !== 'blank')"
        "  .map(r => [r.dataset.key, r.dataset.verdict, r.dataset.mistake || '',"
        "             r.querySelector('.verdict').textContent]);"
        "return {rows, summary: document.getElementById('symbp-summary').textContent};"
        "})()"
    )
    result: dict[str, object] = browser.evaluate(script)
    return result


@pytest.mark.slow
def test_the_page_judges_a_class_as_check_hand_does(folder: Path, tmp_path: Path) -> None:
    from .cdp import Browser

    binary = require_tool("chromium")
    cases = submissions(folder)
    assert len(cases) >= 30
    disagreements: list[str] = []
    seen: set[str] = set()
    with Browser(binary) as browser:
        current = ""
        for number, (student, texts, meant) in enumerate(cases):
            if student != current:
                browser.open(folder / student / "selfcheck.html")
                current = student
            page = page_rows(browser, texts)
            rows = page["rows"]
            assert isinstance(rows, list)
            got = [row[:3] for row in rows]
            want = check_hand_rows(folder / student / "spec.toml", texts, tmp_path)
            if sorted(got) != sorted(want):  # the page's rows in the sheet's order
                disagreements.append(f"case {number} ({student}): page {got}, check-hand {want}")
            verdicts = {row[0]: row[2] if row[1] == "wrong" and row[2] else row[1] for row in got}
            for key, what in meant.items():  # the mistake made here is the one named
                assert verdicts[key] == what, (number, student, key, got)
            if not meant:
                assert {row[1] for row in got} == {"right"}, (number, got)
                assert page["summary"] == f"{len(got)} of {len(got)} numbers right."
            seen |= {row[2] or row[1] for row in got}
        assert browser.exceptions == []
    assert disagreements == [], disagreements[:3]
    assert seen >= {
        "right",
        "carried",
        "wrong",
        "multiply_not_swapped",
        "subtraction_sign_lost",
        "wrong_local_value",
        "fan_out_not_added",
    }


FORMS = "write a decimal such as -0.25 or 1.5e-3, or a fraction such as -1/3"


def test_the_page_tells_a_blank_and_a_non_number(folder: Path) -> None:
    from .cdp import Browser

    binary = require_tool("chromium")
    with Browser(binary) as browser:
        browser.open(folder / "s001" / "selfcheck.html")
        result = page_rows(browser, {"a": "abc"})
        said = f"not a number: 'abc' is not a number ({FORMS})"
        assert result["rows"] == [["a", "unreadable", "", said]]
        assert result["summary"] == "Type at least one number."
        unreadable = {
            "a": "1/0",
            "b": "1,234",
            "c": "1/-3",
            "d": "0.1234567890123456789012345678901",
        }
        rows = {row[0]: row for row in page_rows(browser, unreadable)["rows"]}  # type: ignore[union-attr]
        assert {row[1] for row in rows.values()} == {"unreadable"}
        assert rows["a"][3] == f"not a number: 1/0 divides by zero ({FORMS})"
        assert rows["b"][3].startswith("not a number: 1,234 could be 1234 or 1.234")
        assert rows["c"][3] == f"not a number: '1/-3' is not a number ({FORMS})"
        assert "too long for a number" in rows["d"][3]
        assert browser.exceptions == []


def typed(value: float, form: str) -> str:
    """A true value as a student types it, at 4 decimals (3 significant in e-notation)."""
    plain = f"{value:.4f}"
    if form == "minus sign":  # U+2212, as a word processor or a phone keyboard gives it
        return plain.replace("-", "\u2212")
    if form == "plus":
        return plain if value < 0 else "+" + plain
    if form == "comma":
        return plain.replace(".", ",")
    if form == "e":
        return f"{value:.3e}"
    mantissa, exponent = f"{value:.3e}".split("e")
    return f"{mantissa}×10^{int(exponent)}"  # form "times ten"


@pytest.mark.parametrize("form", ["minus sign", "plus", "comma", "e", "times ten"])
def test_the_page_reads_numbers_as_students_type_them(folder: Path, tmp_path: Path, form) -> None:
    """Every asked number typed in one of the forms students use is read and judged right,
    on the page and by check-hand alike."""
    from .cdp import Browser

    binary = require_tool("chromium")
    truth = by_torch(given(folder, "s002"))
    texts = {k: typed(v, form) for k, v in truth.items() if k != "df/df"}
    assert any("-" in t or "\u2212" in t for t in texts.values())
    with Browser(binary) as browser:
        browser.open(folder / "s002" / "selfcheck.html")
        rows = page_rows(browser, texts)["rows"]
        assert browser.exceptions == []
    assert {row[1] for row in rows} == {"right"}, rows  # type: ignore[union-attr]
    want = check_hand_rows(folder / "s002" / "spec.toml", texts, tmp_path)
    assert sorted(row[:3] for row in rows) == sorted(want)  # type: ignore[union-attr]


def test_the_page_reads_a_fraction_as_exact(folder: Path, tmp_path: Path) -> None:
    """a = x·y and b = a − z are exact hundredths (inputs at one decimal): a fraction that is
    the value is right, one a hundredth off is wrong (never "too few decimals": a fraction
    states no rounding), negative fractions in every minus; the page agrees with check-hand."""
    from .cdp import Browser

    binary = require_tool("chromium")
    values = given(folder, "s003")
    a = round(values["x"] * 10) * round(values["y"] * 10)  # a in hundredths, worked exactly
    b = a - round(values["z"] * 10) * 10
    minus_a = "\u2212" + f"{abs(a)}/100"  # −|a|: the value when a is negative
    cases = [  # (texts, verdicts worked here)
        ({"a": f"{a}/100", "b": f"{b}/100"}, {"a": "right", "b": "right"}),
        ({"a": f"{a + 1}/100", "b": f"{b} / 100"}, {"a": "wrong", "b": "right"}),
        ({"a": minus_a, "b": f"+{b}/100"}, {"a": "right" if a < 0 else "wrong", "b": "right"}),
        ({"a": f"{2 * a}/200", "b": f" {b}/100 "}, {"a": "right", "b": "right"}),
    ]
    with Browser(binary) as browser:
        browser.open(folder / "s003" / "selfcheck.html")
        for texts, verdicts in cases:
            rows = page_rows(browser, texts)["rows"]
            got = {row[0]: row[1] for row in rows}  # type: ignore[union-attr]
            # b = a − z from the student's own a: a wrong a leaves b right or carried
            assert got["a"] == verdicts["a"], (texts, rows)
            if verdicts["a"] == "right":
                assert got["b"] == verdicts["b"], (texts, rows)
            want = check_hand_rows(folder / "s003" / "spec.toml", texts, tmp_path)
            assert sorted(row[:3] for row in rows) == sorted(want), texts  # type: ignore[union-attr]
        assert browser.exceptions == []


def test_the_moodle_quiz_parses_and_its_answers_are_the_keys(folder: Path) -> None:
    from .moodle_cloze import extract_question, validate_question

    keys = key_rows(folder)
    root = ET.fromstring((folder.parent / "quiz.xml").read_text(encoding="utf-8"))
    questions = root.findall("question[@type='cloze']")
    assert [q.findtext("idnumber") for q in questions] == list(keys)
    named = 0
    for question in questions:
        key = keys[question.findtext("idnumber") or ""]
        student = question.findtext("idnumber") or ""
        truth = by_torch(given(folder, student))
        text, subs = extract_question(question.findtext("questiontext/text") or "")
        assert validate_question(subs) == {}
        assert len(subs) == len(key)
        for name, sub in zip(key, subs, strict=True):
            assert sub.fractions[0] == 1.0
            assert abs(float(sub.answers[0]) - truth[name]) <= 1e-9
            assert float(sub.tolerance[0]) == 0.00005  # half a unit of the 4th decimal
            named += len(sub.answers) - 1
        assert "log(y)" in text and "{#1}" in text
    assert named >= STUDENTS  # the catalogue's mistakes as feedback answers


def test_draws_off_the_domain_are_redrawn_and_a_hopeless_range_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["exercise", "--expr", "f = log(x) / y", "--at", "x=1,y=2", "--count", "6"]
    assert main([*argv, "--out", str(tmp_path / "ok")]) == 0
    out = capsys.readouterr().out
    assert "outside an operation's domain" in out
    for n in range(1, 7):
        spec = tomllib.loads((tmp_path / "ok" / f"s{n:03d}" / "spec.toml").read_text())
        assert spec["values"]["x"] > 0
    capsys.readouterr()
    hopeless = [*argv, "--inputs=-2:-1", "--out", str(tmp_path / "no")]
    assert main(hopeless) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "no good exercise" in err and "outside an operation's domain" in err


def test_circuit_folders_refuse_what_they_cannot_do(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["exercise", "--expr", EXPRESSION, "--at", "x=1,y=2,z=0.5", "--count", "1"]
    assert main([*argv, "--out", str(tmp_path / "c"), "--interactive", "consistency"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main([*argv, "--out", str(tmp_path / "w"), "--weights=-1:1"]) == 2
    assert "--inputs" in capsys.readouterr().err
    submissions = tmp_path / "sub.csv"
    submissions.write_text("id,a\ns001,1\n", encoding="utf-8")
    assert main(["grade", str(submissions), "--exercises", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "check-hand" in err


def test_a_chinese_class_gets_chinese_sheets(tmp_path: Path) -> None:
    argv = ["exercise", "--expr", "q = x + y; f = q * z", "--at", "x=-2,y=5,z=-4"]
    assert main([*argv, "--count", "1", "--lang", "zh", "--out", str(tmp_path / "zh")]) == 0
    sheet = (tmp_path / "zh" / "s001" / "worksheet.md").read_text(encoding="utf-8")
    assert "请手算下面电路的前向传播和反向传播" in sheet and "你的答案" in sheet
    key = (tmp_path / "zh" / "s001" / "key.md").read_text(encoding="utf-8")
    assert "前向传播" in key and "反向传播" in key


def test_ask_picks_groups_and_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from symbp.api.circuit_homework import CircuitExercises
    from symbp.api.homework import exercises
    from symbp.core.circuit import read_circuit

    circuit = read_circuit("q = x + y; f = q * z", {"x": -2, "y": 5, "z": -4})
    drawn = exercises(circuit, count=2, ask=["inputs", "q"], seed=3)
    assert isinstance(drawn, CircuitExercises)
    assert drawn.asked == ("q", "df/dx", "df/dy", "df/dz")
    argv = ["exercise", "--expr", "q = x + y; f = q * z", "--at", "x=-2,y=5,z=-4", "--count", "1"]
    assert main([*argv, "--ask", "gradient", "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "gradients" in err


def test_a_chinese_self_check_page_judges_in_chinese(tmp_path: Path) -> None:
    from .cdp import Browser

    argv = ["exercise", "--expr", "q = x + y; f = q * z", "--at", "x=-2,y=5,z=-4"]
    out = tmp_path / "zh"
    assert main([*argv, "--count", "1", "--lang", "zh", "--interactive", "--out", str(out)]) == 0
    key = key_rows(out)["s001"]
    texts = {k: f"{v:.4f}" for k, v in key.items()}
    texts["df/dx"] = f"{key['df/dx'] + 1:.4f}"  # one wrong number
    binary = require_tool("chromium")
    with Browser(binary) as browser:
        browser.open(out / "s001" / "selfcheck.html")
        result = page_rows(browser, texts)
        assert result["summary"] == f"{len(texts)} 个数中 {len(texts) - 1} 个正确。"
        rows = {row[0]: row for row in result["rows"]}  # type: ignore[union-attr]
        assert rows["df/dx"][1] == "wrong" and rows["df/dx"][3].startswith("错误")
        assert rows["q"][3] == "正确"
        assert browser.exceptions == []


#: every function an expression may call, and every operator, between them
EVERY_GATE = (
    "p = sigmoid(x) + tanh(y) + relu(z) + leaky_relu(x) + elu(y); "
    "f = p * softplus(z) + silu(x) - gelu(y)",
    "q = max(x, y) - min(y, z) + abs(x); r = exp(q / 4) + log(y * y + 1); "
    "f = r ** 2 / (z + 3) + (y * y + 1) ** z - (-x)",
)


@pytest.mark.parametrize("expression", EVERY_GATE)
def test_every_gate_is_worked_by_the_page(expression: str, tmp_path: Path) -> None:
    """The page opens its seal (it works every gate's formula and local gradient with the
    functions printed from the operation table) and judges the key's own numbers right."""
    from .cdp import Browser

    out = tmp_path / "every"
    argv = ["exercise", "--expr", expression, "--at", "x=1,y=0.5,z=-1", "--count", "2"]
    assert main([*argv, "--interactive", "--out", str(out)]) == 0
    binary = require_tool("chromium")
    with Browser(binary) as browser:
        for student, key in key_rows(out).items():
            browser.open(out / student / "selfcheck.html")
            result = page_rows(browser, {k: f"{v:.4f}" for k, v in key.items()})
            assert result["summary"] == f"{len(key)} of {len(key)} numbers right.", student
        assert browser.exceptions == []


@pytest.mark.slow
def test_circuit_sheets_compile_with_pdflatex_and_xelatex(folder: Path, tmp_path: Path) -> None:
    import re
    import subprocess

    pdflatex, xelatex = require_tool("pdflatex"), require_tool("xelatex")
    zh = tmp_path / "zh"
    argv = ["exercise", "--expr", EXPRESSION, "--at", "x=1,y=2,z=0.5", "--count", "1"]
    assert main([*argv, "--lang", "zh", "--out", str(zh)]) == 0
    jobs = [
        (pdflatex, folder / "s001" / "worksheet.tex"),
        (pdflatex, folder / "s001" / "key.tex"),
        (xelatex, zh / "s001" / "worksheet.tex"),
        (xelatex, zh / "s001" / "key.tex"),
    ]
    for number, (engine, tex) in enumerate(jobs):
        work = tmp_path / str(number)
        work.mkdir()
        (work / tex.name).write_bytes(tex.read_bytes())
        result = subprocess.run(
            [engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", tex.name],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=300,
        )
        log = (work / tex.with_suffix(".log").name).read_text(encoding="utf-8", errors="replace")
        assert result.returncode == 0, log[-2000:]
        assert not re.search(r"Overfull \\hbox \((\d{2,}|[3-9])\.", log)


@pytest.mark.slow
def test_the_page_sees_both_uses_of_a_squared_value(tmp_path: Path) -> None:
    """q = x·x, f = q + x (the trial of issue 20): df/dx = 2x + 1; x + 1 leaves one use of the
    product out, fan-out not added, on the page as in check-hand; q from a slipped x carried."""
    from .cdp import Browser

    binary = require_tool("chromium")
    out = tmp_path / "sq"
    argv = ["exercise", "--expr", "q = x * x; f = q + x", "--at", "x=1.5", "--count", "1"]
    assert main([*argv, "--seed", "3", "--out", str(out), "--interactive"]) == 0
    spec = tomllib.loads((out / "s001" / "spec.toml").read_text(encoding="utf-8"))
    x = float(spec["values"]["x"])
    texts = {"q": f"{x * x:.4f}", "df/dq": "1", "df/dx": f"{x + 1:.4f}"}
    want = check_hand_rows(out / "s001" / "spec.toml", texts, tmp_path)
    assert [row[1:] for row in want] == [
        ["right", ""],
        ["right", ""],
        ["wrong", "fan_out_not_added"],
    ]
    with Browser(binary) as browser:
        browser.open(out / "s001" / "selfcheck.html")
        rows = page_rows(browser, texts)["rows"]
        assert isinstance(rows, list)
        assert sorted(row[:3] for row in rows) == sorted(want)
        assert browser.exceptions == []
