"""The teacher's choices: which parameters a handout derives in full (--show, and the default for
large networks), a compact handout, the title, the paper, and --digits for derive. Expected
numbers are the published MOOC values or worked here with math, never copied from symbp."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

import symbp
from symbp.cli import main
from symbp.content.blocks import Equations, Math, Table
from symbp.content.expr import Add, Num, Partial, Sym
from symbp.core.spec import spec_from_mapping

from .conftest import MOOC_GRADIENTS, MOOC_WEIGHTS


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def worked_gradients(blocks: tuple[Any, ...]) -> list[str]:
    """The parameters whose ∂L/∂p is a displayed equation (a worked row)."""
    found = []
    for block in blocks:
        if not isinstance(block, Equations):
            continue
        for row in block.rows:
            lhs = row.chain.lhs
            worked = isinstance(row.chain.steps[-1].expr, Num)  # paths end in symbols
            if isinstance(lhs, Partial) and lhs.of.base == "L" and worked and not row.tag:
                found.append(lhs.wrt.plain)
    return found


def table_parameters(blocks: tuple[Any, ...], header: str) -> list[str]:
    """The parameters listed in the first column of tables whose second header is `header`."""
    found = []
    for block in blocks:
        if not isinstance(block, Table) or len(block.header) < 2:
            continue
        second = block.header[1][0]
        shown = second.expr if isinstance(second, Math) else None
        if not (isinstance(shown, Partial) and shown.wrt.plain == header):
            continue
        for row in block.rows:
            cell = row[0][0]
            assert isinstance(cell, Math) and isinstance(cell.expr, Sym)
            found.append(cell.expr.name.plain)
    return found


def test_show_derives_the_chosen_weights_in_full_and_tables_the_rest() -> None:
    handout = symbp.problem().handout(show=["w1", "w5"], check=False)
    blocks = handout.blocks()
    # the chosen weights' paths and worked gradients; one table row for each other weight
    assert sorted(worked_gradients(blocks)) == ["w1", "w5"]
    assert sorted(table_parameters(blocks, "p")) == ["w2", "w3", "w4", "w6", "w7", "w8"]
    text = handout.render("text")
    assert "Why δ: the paths from w1 to the loss" in text
    assert "Why δ: the paths from w5 to the loss" in text
    assert "the paths from w3" not in text
    source = handout.render("latex")
    # w2 = δ_h2·x1 = 0.0126066531 (the course's value) to 4 significant digits
    assert r"\(w_{2}\) & \(\delta_{h_{2}} x_{1}\) & \(0.01261\)" in source
    # the sign explained is the first chosen weight's
    assert "Why the sign: ∂L/∂w1" in text


def test_focus_follows_the_first_shown_weight() -> None:
    text = symbp.problem().handout(show=["w6", "w2"], check=False).render("text")
    assert "Why the sign: ∂L/∂w6" in text


def test_a_small_network_works_every_gradient_by_default() -> None:
    blocks = symbp.problem().handout(check=False).blocks()
    assert sorted(worked_gradients(blocks), key=lambda n: int(n[1:])) == [
        f"w{i}" for i in range(1, 9)
    ]
    assert table_parameters(blocks, "p") == []


def course_network() -> symbp.Problem:
    return symbp.problem(
        spec_from_mapping(
            {
                "layers": [4, 5, 5, 3],
                "inputs": [0.1, 0.2, 0.3, 0.4],
                "targets": [0.5, 0.5, 0.5],
                "weights": {"random": "uniform", "seed": 5},
            }
        )
    )


def test_a_large_network_derives_one_weight_per_layer_and_tables_the_rest() -> None:
    problem = course_network()
    blocks = problem.handout(check=False).blocks()
    # by-source numbering: w1 is the first weight into hidden layer 1 (4·5 = 20 of them),
    # w21 into hidden layer 2 (5·5 = 25), w46 into the output layer
    assert sorted(worked_gradients(blocks), key=lambda n: int(n[1:])) == ["w1", "w21", "w46"]
    rest = table_parameters(blocks, "p")
    assert sorted(rest, key=lambda n: int(n[1:])) == [
        f"w{i}" for i in range(1, 61) if i not in (1, 21, 46)
    ]
    update_rows = [b for b in blocks if isinstance(b, Table) and len(b.rows) == 57]
    assert len(update_rows) == 1  # every other update, one row each


def test_compact_gives_every_gradient_and_every_update_one_table_row() -> None:
    handout = symbp.problem().handout(compact=True, check=False)
    blocks = handout.blocks()
    assert worked_gradients(blocks) == []
    assert sorted(table_parameters(blocks, "p"), key=lambda n: int(n[1:])) == [
        f"w{i}" for i in range(1, 9)
    ]
    update = next(
        b
        for b in blocks
        if isinstance(b, Table)
        and isinstance(b.header[-1][0], Math)
        and isinstance(b.header[-1][0].expr, Add)  # p − η ∂L/∂p
    )
    assert len(update.rows) == 8
    first = update.rows[0]
    # w1 = 0.2, Δw1 = −1 × (−0.0084214805), w1 + Δw1 = 0.2084214805, to 4 significant digits
    cells = [cell[0].expr.text for cell in first[1:]]  # type: ignore[union-attr]
    assert cells == ["0.2", "0.008421", "0.2084"]
    # with one sample the gradient column is the backward pass's; every update stays a row
    assert not any(
        isinstance(b, Equations) and any(r.chain.steps[0].relation == "←" for r in b.rows)
        for b in blocks
    )


def test_title_and_paper_reach_every_format(tmp_path: Path) -> None:
    title = "Week 3: <b>backprop</b> & 50%"
    handout = symbp.problem().handout(title=title, paper="letter", check=False)
    source = handout.render("latex")
    assert r"\usepackage[letterpaper,margin=2cm]{geometry}" in source
    assert r"\section*{Week 3: \textless{}b\textgreater{}backprop" in source
    page = handout.render("html")
    assert "@page { size: letter; margin: 2cm; }" in page
    assert "<title>Week 3: &lt;b&gt;backprop&lt;/b&gt; &amp; 50%</title>" in page
    assert handout.render("html", paper="a4").count("size: A4") == 1
    output = tmp_path / "week3.tex"
    assert main(["handout", "-o", str(output), "--title", "Week 3", "--paper", "letter"]) in (0, 1)
    assert r"\section*{Week 3}" in output.read_text(encoding="utf-8")


def test_letter_paper_is_wider_so_long_rows_break_less() -> None:
    document = course_network().handout(check=False)
    a4, letter = document.render("latex", paper="a4"), document.render("latex", paper="letter")
    continued = re.compile(r"\n&\\quad ")
    assert len(continued.findall(letter)) <= len(continued.findall(a4))


def test_derive_digits(capsys: pytest.CaptureFixture[str]) -> None:
    # h1 = σ(w1·x1 + w3·x2) = σ(0.2·0.5 + 0.5·0.3), worked here
    h1 = sigmoid(MOOC_WEIGHTS[0] * 0.5 + MOOC_WEIGHTS[2] * 0.3)
    assert main(["derive", "--weight", "w1", "--no-check", "--digits", "6"]) == 0
    six = capsys.readouterr().out
    assert f"{h1:.6f}" in six and f"= {MOOC_GRADIENTS[0]:.10f}" in six
    assert main(["derive", "--weight", "w1", "--no-check"]) == 0
    four = capsys.readouterr().out
    assert f"{h1:.4f}" in four and f"{h1:.6f}" not in four
    assert main(["derive", "--weight", "w1", "--no-check", "--format", "latex", "--paper",
                 "letter"]) == 0  # fmt: skip
    assert "letterpaper" in capsys.readouterr().out


def run_main(argv: list[str]) -> int:
    """main(argv)'s exit status, also when argparse exits on a usage error."""
    try:
        return main(argv)
    except SystemExit as stop:
        return int(stop.code or 0)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--show", "w1,w99"], "symbp: error: --show: unknown parameter 'w99'"),
        (["--show", " , "], "symbp: error: --show needs parameter names"),
        (["--paper", "a5"], "symbp handout: error: argument --paper: invalid choice: 'a5'"),
        (["--title", ""], "symbp: error: --title must be 1 to 200 printable characters"),
        (["--digits", "0"], "symbp: error: --digits must be between 1 and 15"),
    ],
)
def test_bad_choices_fail_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    output = tmp_path / "out.html"
    assert run_main(["handout", "-o", str(output), *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message), err
    assert err.count("\n") == 1
    assert not output.exists()


def test_a_shown_bias_is_worked_and_the_other_biases_are_table_rows() -> None:
    problem = symbp.problem(
        Path(__file__).resolve().parent.parent / "examples/two_hidden_layers.toml"
    )
    blocks = problem.handout(show=["w2_1_1", "b_h2_1"], check=False).blocks()
    assert sorted(set(worked_gradients(blocks))) == ["b_h2_1", "w2_1_1"]
    # several samples, condensed: the other gradients are rows of the update's table
    rest = table_parameters(blocks, "p") + [
        row[0][0].expr.name.plain
        for b in blocks
        if isinstance(b, Table)
        and isinstance(b.header[-1][0], Math)
        and isinstance(b.header[-1][0].expr, Add)  # p + Δp
        for row in b.rows
    ]
    assert "b_h2_2" in rest and "b_o1" in rest and "w1_1_1" in rest
    assert "b_h2_1" not in rest
