"""Worksheets, answer keys and variants: what a student and a teacher read, checked against
numbers worked in plain Python; the LaTeX compiles; other networks draw good exercises; the
hand-check judge is built once per architecture and judges a variant as check-hand does."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from symbp.api.homework import exercises
from symbp.classroom.csvfiles import Student
from symbp.classroom.variants import KINK_HALF_UNITS, Range, Settings, draw_variants
from symbp.cli import main
from symbp.core.spec import default_spec, load_spec
from symbp.errors import SymbpError
from symbp.handcheck import check_hand, parse_plain
from symbp.handcheck.judge import HandJudge

from . import classwork
from .conftest import require_tool
from .hand_corpus import generate

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sheets") / "ex"
    roster = out.parent / "roster.csv"
    roster.write_text("id,name\nada,Ada <Lovelace>\nwang,王芳\n", encoding="utf-8")
    assert main(["exercise", "--roster", str(roster), "--seed", "3", "--out", str(out)]) == 0
    assert (
        main(
            [
                "exercise",
                "--roster",
                str(roster),
                "--seed",
                "3",
                "--out",
                str(out.parent / "zh"),
                "--lang",
                "zh",
            ]
        )
        == 0
    )
    return out


def test_the_worksheet_gives_the_problem_and_a_blank_per_asked_quantity(folder: Path) -> None:
    spec = load_spec(folder / "ada" / "spec.toml")
    markdown = (folder / "ada" / "worksheet.md").read_text(encoding="utf-8")
    html = (folder / "ada" / "worksheet.html").read_text(encoding="utf-8")
    assert "Ada &lt;Lovelace&gt;" in html and "<Lovelace>" not in html  # a name is escaped
    assert "<svg" in html  # the diagram
    assert html.count(">______________<") == 29
    for x in spec.inputs:
        assert f"{x:g}" in markdown
    net = classwork.net_of(folder / "ada" / "spec.toml", "ada")
    truth = generate.work(net, decimals=None)
    # the worksheet holds no answer; the key holds every answer at 4 decimals
    key = (folder / "ada" / "key.md").read_text(encoding="utf-8")
    for name in ("dL/dw1", "delta_h1", "w8_new", "L"):
        answer = generate.number_text(truth[name], 4)
        assert answer not in markdown
        assert f"| {answer} |" in key
    assert "Backward pass" in key and "Update" in key  # the full handout follows


@pytest.mark.slow
def test_worksheets_and_keys_compile_with_pdflatex_and_xelatex(
    folder: Path, tmp_path: Path
) -> None:
    pdflatex, xelatex = require_tool("pdflatex"), require_tool("xelatex")
    pdftotext = require_tool("pdftotext")
    jobs = [
        (pdflatex, folder / "ada" / "worksheet.tex"),
        (pdflatex, folder / "ada" / "key.tex"),
        (xelatex, folder.parent / "zh" / "wang" / "worksheet.tex"),
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
        assert not re.search(r"^! ", log, re.MULTILINE)
        assert not re.search(r"Overfull \\hbox \((\d{2,}|[3-9])\.", log)
        text = subprocess.run(
            [pdftotext, str(work / tex.with_suffix(".pdf").name), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        if number == 2:
            assert "你的答案" in text and "王芳" in text


def test_a_judge_is_built_once_and_judges_each_variant_as_check_hand() -> None:
    base = default_spec()
    judge = HandJudge(base)
    drawn = exercises(count=6, seed=5)
    for variant in drawn.variants:
        spec = variant.spec
        values = generate.work(
            generate.Net("v", (2, 2, 2), "by-source", spec.inputs, spec.targets, spec.weights, 1.0),
            frozenset({"half_dropped"}),
            decimals=4,
        )
        text = "".join(f"{k} = {generate.number_text(values[k], 4)}\n" for k in drawn.asked)
        hand = parse_plain(text)
        assert judge.check(hand, spec) == check_hand(hand, spec)
        assert judge.check(hand, spec).diagnoses[0].keys == ("half_dropped",)
    other = replace(base, layers=(2, 3, 2), weights=(0.1,) * 12)
    assert not judge.accepts(other)
    with pytest.raises(SymbpError, match="not a variant"):
        judge.check(parse_plain("L = 0.1"), other)


@pytest.mark.parametrize(
    ("spec", "activation"),
    [("examples/relu.toml", "relu"), ("examples/mazur_2_2_2.toml", "sigmoid")],
)
def test_other_networks_draw_good_exercises(spec: str, activation: str) -> None:
    base = load_spec(ROOT / spec)
    judge = HandJudge(base)
    students = [Student(f"p{n}") for n in range(12)]
    drawn = draw_variants(base, students, Settings(seed=2), judge)
    for variant in drawn.variants:
        values = judge.table.values(
            judge.compiled.evaluate(
                variant.spec.inputs,
                variant.spec.targets,
                variant.spec.weights + judge.spec.parameters[len(base.weights) :],
            )
        )
        for unit in (u for layer in judge.network.layers[1:] for u in layer):
            z, a = values[unit.z.name], values[unit.a.name]  # type: ignore[union-attr]
            if activation == "relu":
                assert abs(z) >= KINK_HALF_UNITS * 0.00005
            else:
                assert a * (1 - a) >= 0.01
        for key, value in variant.answers.items():
            assert round(value, 4) != 0, key


def test_impossible_ranges_and_unsupported_networks_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [
        (["--weights=5:6", "--inputs=5:6"], "no good exercise"),
        (["--weights=0.1:0.15"], "fewer than two nonzero numbers"),
        (["--weights", "x"], "must be LO:HI"),
        (["--spec", str(ROOT / "examples" / "cs231n_neuron.toml")], "draws targets for the losses"),
        (["--ask", "dL/dw9"], "unknown quantity 'dL/dw9'"),
        (["--ask", "x1"], "x1 is given by the exercise"),
        (["--decimals", "5"], "--decimals must be 1, 2 or 3"),
        (["--moodle", str(tmp_path / "quiz.txt")], "must end in .xml"),
    ]
    for extra, message in cases:
        capsys.readouterr()
        status = main(["exercise", "--count", "2", "--out", str(tmp_path / "o"), *extra])
        err = capsys.readouterr().err
        assert status == 2 and message in err and err.count("\n") == 1, (extra, err)
        assert not (tmp_path / "o").exists()
    assert Range(-1, 1) == Range(-1.0, 1.0)
