"""Convolution exercises' self-check page and Moodle quiz (issue 21's gaps): the page holds no
answer (it works the network from the student's givens with the graph's formulas, then opens
its sealed catalogue), judges in real Chromium as check-hand judges the same numbers, right
answers right and each classic mistake (made here by hand from torch's numbers) named; the
Moodle XML parses and each cell's answer is torch's."""

from __future__ import annotations

import json
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from symbp.api.conv_homework import conv_exercises
from symbp.core.conv_spec import conv_spec_from_mapping
from tests.conftest import require_module, require_tool
from tests.test_conv_handout import TEACHING

STUDENTS = 3


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("conv-selfcheck") / "ex"
    homework = conv_exercises(conv_spec_from_mapping(TEACHING), count=STUDENTS, seed=5)
    homework.write(out, interactive=True, moodle=out.parent / "quiz.xml")
    return out


def problem(folder: Path, student: str) -> dict[str, Any]:
    return tomllib.loads((folder / student / "problem.toml").read_text(encoding="utf-8"))


def by_torch(data: dict[str, Any]) -> dict[str, np.ndarray]:
    """The teaching net's grids (conv 3×3 ×2, relu, max pool 2, dense 2 sigmoid, half SSE),
    written here in plain torch from the student's problem file."""
    require_module("torch")
    import torch
    import torch.nn.functional as F

    assert data["loss"] == "half_sse" and data["layers"][1]["activation"] == "relu"
    x = torch.tensor(data["inputs"][0], dtype=torch.float64, requires_grad=True)
    w = torch.tensor(data["weights"]["conv1"], dtype=torch.float64, requires_grad=True)
    b = torch.tensor(data["bias_values"]["conv1"], dtype=torch.float64, requires_grad=True)
    wd = torch.tensor(data["weights"]["dense3"], dtype=torch.float64)
    bd = torch.tensor(data["bias_values"]["dense3"], dtype=torch.float64)
    y = torch.tensor(data["targets"][0], dtype=torch.float64)
    z = F.conv2d(x[None], w, b)[0]
    z.retain_grad()
    a = torch.relu(z)
    a.retain_grad()
    pooled = F.max_pool2d(a[None], 2)[0]
    out = torch.sigmoid(wd @ pooled.reshape(-1) + bd)
    loss = 0.5 * ((out - y) ** 2).sum()
    loss.backward()
    grads = (z.grad, a.grad, w.grad, b.grad, x.grad)
    assert all(g is not None for g in grads)
    found = {
        "z": z.detach().numpy(),
        "a": a.detach().numpy(),
        "delta": z.grad.numpy(),  # type: ignore[union-attr]
        "dL/da": a.grad.numpy(),  # type: ignore[union-attr]
        "dL/dW": w.grad.numpy(),  # type: ignore[union-attr]
        "dL/db": b.grad.numpy(),  # type: ignore[union-attr]
        "dL/dX": x.grad.numpy(),  # type: ignore[union-attr]
    }
    return found


def cells(truth: dict[str, np.ndarray]) -> dict[str, float]:
    """Every blank of the page (check-hand's cell names) with torch's value."""
    found: dict[str, float] = {}
    for f in range(2):
        n = f + 1
        for stem, grid in (("dL/da", truth["dL/da"][f]), ("delta", truth["delta"][f]),
                           ("dL/dW", truth["dL/dW"][f, 0])):  # fmt: skip
            for (r, c), v in np.ndenumerate(grid):
                found[f"{stem}{n}[{r + 1},{c + 1}]"] = float(v)
        found[f"dL/db{n}"] = float(truth["dL/db"][f])
    for (r, c), v in np.ndenumerate(truth["dL/dX"][0]):
        found[f"dL/dX[{r + 1},{c + 1}]"] = float(v)
    return found


def _rows(prefix: str, grid: np.ndarray) -> dict[str, str]:
    return {f"{prefix}[{r + 1},{c + 1}]": f"{v:.4f}" for (r, c), v in np.ndenumerate(grid)}


def _full_correlation(delta: np.ndarray, kernels: np.ndarray, rotate: bool) -> np.ndarray:
    """∂L/∂x by the test's own loops: each output cell hands δ·W back to its window's inputs;
    rotate=False lands each weight on the mirrored input (the kernel not rotated 180°)."""
    used = kernels if rotate else kernels[:, :, ::-1, ::-1]
    grad = np.zeros((6, 6))
    for f in range(2):
        for i in range(4):
            for j in range(4):
                grad[i : i + 3, j : j + 3] += delta[f, i, j] * used[f, 0]
    return grad


def submissions(folder: Path) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """(student, {blank: text}, {blank: the verdict or mistake meant}) per submission, each
    mistake made here from torch's numbers."""
    cases = []
    for student in sorted(p.name for p in folder.iterdir() if p.name.startswith("s")):
        data = problem(folder, student)
        t = by_torch(data)
        x = np.array(data["inputs"][0], dtype=float)[0]
        kernels = np.array(data["weights"]["conv1"], dtype=float)
        right = {k: f"{v:.4f}" for k, v in cells(t).items()}
        cases.append((student, right, {}))
        cases.append((student, {k: f"{v:.6f}" for k, v in cells(t).items()}, {}))
        # ∂L/∂X with the kernel used as it is
        flipped = _full_correlation(t["delta"], kernels, rotate=False)
        if np.max(np.abs(flipped - t["dL/dX"][0])) > 1e-3:
            typed = _rows("dL/dX", flipped)
            cases.append((student, typed, dict.fromkeys(
                [k for k in typed if abs(float(typed[k]) - cells(t)[k]) > 1e-4],
                "kernel_not_rotated")))  # fmt: skip
        # dL/dW1 from its last position alone
        last = t["delta"][0, 3, 3] * x[3:6, 3:6]
        typed = _rows("dL/dW1", last)
        wrong = [k for k in typed if abs(float(typed[k]) - cells(t)[k]) > 1e-4]
        if wrong:
            cases.append((student, typed, dict.fromkeys(wrong, "one_position")))
        # the max window's gradient to every input of the window: ∂L/∂a of filter 2
        pooled_grad = np.zeros((2, 2))
        for i in range(2):
            for j in range(2):
                pooled_grad[i, j] = t["dL/da"][1, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2].sum()
        to_all = np.kron(pooled_grad, np.ones((2, 2)))
        typed = _rows("dL/da2", to_all)
        wrong = [k for k in typed if abs(float(typed[k]) - cells(t)[k]) > 1e-4]
        if wrong:
            cases.append((student, typed, dict.fromkeys(wrong, "pool_to_all")))
        # δ1 written as ∂L/∂a1 (relu′ left out) where a relu is off
        typed = _rows("delta1", t["dL/da"][0])
        wrong = [k for k in typed if abs(float(typed[k]) - cells(t)[k]) > 1e-4]
        if wrong:
            cases.append((student, typed, dict.fromkeys(wrong, "activation_derivative_missing")))
        # a slip in δ1, then dL/dW1 and dL/db1 worked right from it: carried
        slipped = t["delta"][0].copy()
        k = np.unravel_index(int(np.argmax(np.abs(slipped))), slipped.shape)
        slipped[k] += 0.5
        own_w = np.array([[np.sum(slipped * x[u : u + 4, v : v + 4]) for v in range(3)]
                          for u in range(3)])  # fmt: skip
        typed = _rows("delta1", slipped) | _rows("dL/dW1", own_w)
        typed["dL/db1"] = f"{slipped.sum():.4f}"
        meant = {f"delta1[{k[0] + 1},{k[1] + 1}]": "wrong", "dL/db1": "carried"}
        cases.append((student, typed, meant))
        # one wrong cell alone, typed in part; a cell without decimals that only rounds
        one = {"dL/dW2[2,2]": f"{cells(t)['dL/dW2[2,2]'] + 0.3:.4f}"}
        cases.append((student, one, {"dL/dW2[2,2]": "wrong"}))
    return cases


def check_hand_rows(problem_file: Path, typed: dict[str, str]) -> list[list[str]]:
    """check-hand's verdicts of the same numbers: a grid typed in full written as a grid, the
    rest cell by cell (as the page groups them)."""
    from symbp.api.conv_hand import check_hand_conv

    grids: dict[str, dict[tuple[int, int], str]] = {}
    lines = []
    for key, value in typed.items():
        if "[" in key:
            name, _, index = key.partition("[")
            r, c = (int(n) for n in index.rstrip("]").split(","))
            grids.setdefault(name, {})[(r, c)] = value
        else:
            lines.append(f"{key} = {value}")
    sizes = {"dL/da": 4, "delta": 4, "dL/dW": 3, "dL/dX": 6}
    for name, written in grids.items():
        size = sizes[name.rstrip("12")]
        if len(written) == size * size:
            lines.append(f"{name} =")
            lines += ["  ".join(written[(r, c)] for c in range(1, size + 1))
                      for r in range(1, size + 1)]  # fmt: skip
            lines.append("")
        else:
            lines += [f"{name}[{r},{c}] = {v}" for (r, c), v in written.items()]
    report = check_hand_conv(problem_file, "\n".join(lines) + "\n").report
    found = []
    for cell in report.cells:
        name = cell.name if cell.quantity.kind == "grad_b" else cell.name.split("[")[0]
        key = name if cell.quantity.kind == "grad_b" else f"{name}[{cell.row + 1},{cell.col + 1}]"
        found.append([key, cell.verdict, cell.mistake])
    return found


def page_rows(browser: object, typed: dict[str, str]) -> dict[str, Any]:
    from tests.test_circuit_exercise import page_rows as circuit_page_rows

    return circuit_page_rows(browser, typed)  # type: ignore[return-value]


def test_no_self_check_page_holds_an_answer(folder: Path) -> None:
    from tests.test_selfcheck_key import leaks

    checked = 0
    for student in ("s001", "s002", "s003"):
        page = (folder / student / "selfcheck.html").read_text(encoding="utf-8")
        truth = by_torch(problem(folder, student))
        # every value and gradient of the first layer: z, a, δ, ∂L/∂a and the asked grids
        values = cells(truth) | {f"z{n}": v for n, v in enumerate(truth["z"].ravel())}
        values = {k: v for k, v in values.items() if abs(v) > 5e-4}
        assert leaks(page, values) == [], student
        assert leaks(page + f" {values['dL/db1']:.4f}", values)  # the scan is not blind
        assert '"sealed":' in page
        checked += len(values)
    assert checked >= 200


def test_the_seal_opens_with_the_pages_own_arithmetic(folder: Path) -> None:
    """What the page's formulas give from the givens (worked here in Python from the page's
    own data) opens the catalogue, and the catalogue holds torch's grids."""
    from symbp.classroom import sealing
    from tests.selfcheck_seal import _value as _seal_value
    from tests.selfcheck_seal import page_data

    page = (folder / "s002" / "selfcheck.html").read_text(encoding="utf-8")
    data = page_data(page)
    truth = by_torch(problem(folder, "s002"))
    values: dict[str, float] = {}

    def _value(tree: Any, known: dict[str, float]) -> float:  # a pooling window's max too
        if isinstance(tree, list) and tree[0] == "max":
            return max(_seal_value(t, known) for t in tree[1:])
        return _seal_value(tree, known)

    for node in data["nodes"]:
        formula = node["formula"]
        values[node["name"]] = (
            data["givens"][node["name"]] if formula is None else _value(formula, values)
        )
    gradients = {data["objective"]: 1.0}
    for node in reversed(data["nodes"]):
        name = node["name"]
        if name == data["objective"] or name not in data["uses"]:
            continue
        gradients[name] = sum(
            gradients[u["user"]] * _value(u["local"], values) for u in data["uses"][name]
        )
    secret = sealing.password(
        [values[n] for n in data["secret"]["gates"]]
        + [gradients[n] for n in data["secret"]["gradients"]]
    )
    seal = data["catalogue"]
    opened = sealing.unseal(seal["sealed"], secret, bytes.fromhex(seal["salt"]), seal["iterations"])
    assert opened is not None
    catalogue = json.loads(opened)
    np.testing.assert_allclose(catalogue["delta_z"], truth["delta"], atol=1e-12)
    np.testing.assert_allclose(catalogue["grad_w"], truth["dL/dW"], atol=1e-12)
    np.testing.assert_allclose(catalogue["grad_x"], truth["dL/dX"], atol=1e-12)
    wrong = secret.replace(secret.split(";")[0], "1.000000e+00", 1)
    assert sealing.unseal(seal["sealed"], wrong, bytes.fromhex(seal["salt"]), 2) is None


@pytest.mark.slow
def test_the_page_judges_a_class_as_check_hand_does(folder: Path) -> None:
    from tests.cdp import Browser

    binary = require_tool("chromium")
    cases = submissions(folder)
    assert len(cases) >= 18
    disagreements: list[str] = []
    seen: set[str] = set()
    with Browser(binary) as browser:
        current = ""
        for number, (student, typed, meant) in enumerate(cases):
            if student != current:
                browser.open(folder / student / "selfcheck.html")
                current = student
            page = page_rows(browser, typed)
            got = [row[:3] for row in page["rows"]]
            want = check_hand_rows(folder / student / "problem.toml", typed)
            if sorted(got) != sorted(want):
                disagreements.append(f"case {number} ({student}): page {got}, check-hand {want}")
            verdicts = {row[0]: row[2] if row[1] == "wrong" and row[2] else row[1] for row in got}
            for key, what in meant.items():  # the mistake made here is the one named
                assert verdicts[key] == what, (number, student, key, verdicts)
            if not meant:
                assert {row[1] for row in got} == {"right"}, (number, got)
                assert page["summary"] == f"{len(got)} of {len(got)} numbers right."
            seen |= {row[2] or row[1] for row in got}
        assert browser.exceptions == []
    assert disagreements == [], disagreements[:3]
    meant_anywhere = {what for _, _, meant in cases for what in meant.values()}
    assert seen >= {"right", *meant_anywhere}
    assert meant_anywhere >= {"carried", "wrong", "kernel_not_rotated", "one_position",
                              "pool_to_all"}  # fmt: skip


def test_the_moodle_quiz_parses_and_its_answers_are_torchs(folder: Path) -> None:
    from tests.moodle_cloze import extract_question, validate_question

    root = ET.fromstring((folder.parent / "quiz.xml").read_text(encoding="utf-8"))
    questions = root.findall("question[@type='cloze']")
    assert [q.findtext("idnumber") for q in questions] == ["s001", "s002", "s003"]
    named: set[str] = set()
    for question in questions:
        student = question.findtext("idnumber") or ""
        truth = cells(by_torch(problem(folder, student)))
        text, subs = extract_question(question.findtext("questiontext/text") or "")
        assert validate_question(subs) == {}
        assert len(subs) == len(truth)
        for key, sub in zip(truth, subs, strict=True):
            assert sub.fractions[0] == 1.0
            assert abs(float(sub.answers[0]) - truth[key]) <= 1e-9, (student, key)
            assert float(sub.tolerance[0]) == 0.00005  # half a unit of the 4th decimal
            named |= {f for f in sub.feedback[1:]}
        assert "dL/dX[6,6]" in text and "{#1}" in text
    assert any("rotated 180" in f for f in named)
    assert any("every position" in f for f in named)
