"""The numbers of a handout's tables (issue 26, items 2 and 7): each column one notation, the
optimizer's state and every update as torch.optim computes them, and a change below the
digits shown given a column Δp of its own.

The MOOC 8.3 network is written out in torch by hand (by-source numbering: w1 x1→h1, w2 x1→h2,
w3 x2→h1, …) and trained by torch.optim; the handout's table cells are compared with it.
"""

from __future__ import annotations

from typing import Any

import pytest

import symbp
from symbp.content import expr as E
from symbp.content.blocks import Math, Table, Text
from symbp.core.spec import spec_from_mapping
from tests.conftest import require_module

X, Y = (0.5, 0.3), (0.23, -0.07)
W = (0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8)
MOOC: dict[str, Any] = {
    "title": "MOOC 8.3",
    "layers": [2, 2, 2],
    "activation": "sigmoid",
    "loss": "half_sse",
    "numbering": "by-source",
    "inputs": list(X),
    "targets": list(Y),
    "weights": list(W),
}


def _torch_step(optimizer: str, rate: float) -> dict[str, list[float]]:
    """One step of torch.optim on the network: the gradient, the parameters after, the state."""
    import torch

    w = torch.tensor(W, dtype=torch.float64, requires_grad=True)
    x = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)
    opt = torch.optim.Adam([w], lr=rate) if optimizer == "adam" else torch.optim.SGD([w], lr=rate)
    h1 = torch.sigmoid(w[0] * x[0] + w[2] * x[1])
    h2 = torch.sigmoid(w[1] * x[0] + w[3] * x[1])
    o1 = torch.sigmoid(w[4] * h1 + w[6] * h2)
    o2 = torch.sigmoid(w[5] * h1 + w[7] * h2)
    loss = 0.5 * ((o1 - y[0]) ** 2 + (o2 - y[1]) ** 2)
    loss.backward()
    assert w.grad is not None
    gradient = w.grad.tolist()
    opt.step()
    state = {k: v.tolist() for k, v in opt.state[w].items() if torch.is_tensor(v) and v.ndim}
    return {"gradient": gradient, "p": w.detach().tolist(), **state}


def _label(cell: tuple[Any, ...]) -> str:
    """A header cell as a word: its text, or its symbol's plain spelling."""
    part = cell[0]
    if isinstance(part, Text):
        return part.text
    assert isinstance(part, Math)
    if isinstance(part.expr, E.Sym):
        return part.expr.name.plain
    if isinstance(part.expr, E.Partial):
        return "∂L/∂p"
    return "?"


def _tables(handout: Any) -> list[Table]:
    return [block for block in handout.blocks() if isinstance(block, Table)]


def _column(table: Table, label: str) -> list[E.Num]:
    index = [_label(cell) for cell in table.header].index(label)
    found = []
    for row in table.rows:
        part = row[index][0]
        assert isinstance(part, Math) and isinstance(part.expr, E.Num), row[index]
        found.append(part.expr)
    return found


def _weight_index(table: Table, row: int) -> int:
    part = table.rows[row][0][0]
    assert isinstance(part, Math) and isinstance(part.expr, E.Sym)
    return int(part.expr.name.plain.lstrip("w")) - 1


def _shown(num: E.Num) -> float:
    return float(num.text)


def _one_notation(column: list[E.Num]) -> bool:
    kinds = {"e" in num.text for num in column if num.value != 0}
    return len(kinds) <= 1


def test_the_adam_tables_columns_are_one_notation_each_and_torchs_numbers() -> None:
    require_module("torch")
    rate = 0.01
    spec = {**MOOC, "learning_rate": rate, "optimizer": {"name": "adam"}}
    handout = symbp.Problem(spec_from_mapping(spec, source="t")).handout(check=False, show=["w1"])
    [table] = [t for t in _tables(handout) if "v⁽¹⁾" in [_label(c) for c in t.header]]
    torch_step = _torch_step("adam", rate)
    numeric = [_label(c) for c in table.header][1:]
    for label in numeric:
        assert _one_notation(_column(table, label)), label
    # v = (1 − β₂) g² is of order 10⁻⁷ here: every cell in e-notation, none as 0.000000…
    assert all("e" in num.text for num in _column(table, "v⁽¹⁾"))
    for label, key in (("m⁽¹⁾", "exp_avg"), ("v⁽¹⁾", "exp_avg_sq"), ("new value", "p")):
        for row, num in enumerate(_column(table, label)):
            expected = torch_step[key][_weight_index(table, row)]
            assert _shown(num) == pytest.approx(expected, rel=6e-4), (label, row)
    assert "Δp" not in numeric  # Adam's first step moves each weight by η, well above the digits


@pytest.mark.parametrize(("rate", "with_change"), [(1.0, False), (1e-4, True)])
def test_the_summary_table_shows_a_change_below_the_digits_as_its_own_column(
    rate: float, with_change: bool
) -> None:
    require_module("torch")
    spec = {**MOOC, "learning_rate": rate}
    # one update worked in section 4, the rest in the summary table (with every update worked
    # there, no table repeats them)
    handout = symbp.Problem(spec_from_mapping(spec, source="t")).handout(check=False, show=["w1"])
    [table] = [t for t in _tables(handout) if "after the update" in [_label(c) for c in t.header]]
    labels = [_label(c) for c in table.header]
    assert ("Δp" in labels) == with_change
    torch_step = _torch_step("sgd", rate)
    for row, num in enumerate(_column(table, "∂L/∂p")):
        expected = torch_step["gradient"][_weight_index(table, row)]
        assert _shown(num) == pytest.approx(expected, rel=6e-4)
    for row, num in enumerate(_column(table, "after the update")):
        assert _shown(num) == pytest.approx(torch_step["p"][_weight_index(table, row)], rel=6e-4)
    if with_change:
        for row, num in enumerate(_column(table, "Δp")):
            index = _weight_index(table, row)
            expected = torch_step["p"][index] - W[index]
            assert _shown(num) == pytest.approx(expected, rel=6e-4)
            # the change is what tells the rows apart: old and new read alike at 4 digits
            assert f"{W[index]:.4f}" == f"{_shown(_column(table, 'after the update')[row]):.4f}"


def test_a_lone_tiny_value_is_written_out_and_a_column_of_tiny_ones_in_e_notation() -> None:
    """Worked by hand: 2.887e-08 to 4 significant digits is 0.00000002887; a column where
    most values are below 10⁻⁶ is all in e-notation, and no column mixes the two."""
    from symbp.content.numbers import column_nums

    weights = [n.text for n in column_nums([0.5, -0.2, 2.887e-8, 0.31], 4)]
    assert weights == ["0.5000", "-0.2000", "0.00000002887", "0.3100"]
    moments = [n.text for n in column_nums([1.878e-6, 4.014e-7, 0.0], 4)]
    assert moments == ["1.878e-06", "4.014e-07", "0"]
