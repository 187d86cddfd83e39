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
from tests.test_conv_handout import AVERAGE, TEACHING

STUDENTS = 3
#: the teaching net (relu, max pooling, sigmoid, half SSE) and a second class with two input
#: channels, padding 1, tanh, average pooling and softmax with cross-entropy
CLASSES = {"teaching": TEACHING, "average": AVERAGE}


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    found = {}
    for name, spec in CLASSES.items():
        out = tmp_path_factory.mktemp(f"conv-selfcheck-{name}") / "ex"
        homework = conv_exercises(conv_spec_from_mapping(spec), count=STUDENTS, seed=5)
        homework.write(out, interactive=True, moodle=out.parent / "quiz.xml")
        found[name] = out
    return found


@pytest.fixture(scope="module")
def folder(folders: dict[str, Path]) -> Path:
    return folders["teaching"]


def students(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("s"))


def problem(folder: Path, student: str) -> dict[str, Any]:
    return tomllib.loads((folder / student / "problem.toml").read_text(encoding="utf-8"))


def by_torch(data: dict[str, Any]) -> dict[str, np.ndarray]:
    """The first layer's grids of a net input → conv → activation → pool → dense, written
    here in plain torch from the student's problem file."""
    require_module("torch")
    import torch
    import torch.nn.functional as F

    _, conv, pool, dense = data["layers"]
    x = torch.tensor(data["inputs"][0], dtype=torch.float64, requires_grad=True)
    w = torch.tensor(data["weights"]["conv1"], dtype=torch.float64, requires_grad=True)
    b = torch.tensor(data["bias_values"]["conv1"], dtype=torch.float64, requires_grad=True)
    wd = torch.tensor(data["weights"]["dense3"], dtype=torch.float64)
    bd = torch.tensor(data["bias_values"]["dense3"], dtype=torch.float64)
    y = torch.tensor(data["targets"][0], dtype=torch.float64)
    z = F.conv2d(x[None], w, b, stride=conv["stride"], padding=conv["padding"])[0]
    z.retain_grad()
    a = {"relu": torch.relu, "tanh": torch.tanh}[conv["activation"]](z)
    a.retain_grad()
    pooling = {"max": F.max_pool2d, "avg": F.avg_pool2d}[pool["pool"]]
    pooled = pooling(a[None], pool["size"], pool["stride"])[0]
    logits = wd @ pooled.reshape(-1) + bd
    if data["loss"] == "half_sse":
        assert dense["activation"] == "sigmoid"
        loss = 0.5 * ((torch.sigmoid(logits) - y) ** 2).sum()
    else:
        assert data["loss"] == "cross_entropy" and dense["activation"] == "softmax"
        loss = -(y * torch.log_softmax(logits, 0)).sum()
    loss.backward()
    grads = (z.grad, a.grad, w.grad, b.grad, x.grad)
    assert all(g is not None for g in grads)
    return {
        "x": x.detach().numpy(),
        "kernels": w.detach().numpy(),
        "padding": np.array(conv["padding"]),
        "z": z.detach().numpy(),
        "a": a.detach().numpy(),
        "delta": z.grad.numpy(),  # type: ignore[union-attr]
        "dL/da": a.grad.numpy(),  # type: ignore[union-attr]
        "dL/dW": w.grad.numpy(),  # type: ignore[union-attr]
        "dL/db": b.grad.numpy(),  # type: ignore[union-attr]
        "dL/dX": x.grad.numpy(),  # type: ignore[union-attr]
    }


def grid_names(truth: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every grid the worksheet asks for by check-hand's name (dL/dW1 with one channel,
    dL/dW1_2 with several), with torch's values."""
    filters, channels = truth["dL/dW"].shape[:2]
    found: dict[str, np.ndarray] = {}
    for f in range(filters):
        n = f + 1
        found[f"dL/da{n}"] = truth["dL/da"][f]
        found[f"delta{n}"] = truth["delta"][f]
        for c in range(channels):
            found[f"dL/dW{n}_{c + 1}" if channels > 1 else f"dL/dW{n}"] = truth["dL/dW"][f, c]
        found[f"dL/db{n}"] = truth["dL/db"][f : f + 1][None]
    for c in range(channels):
        found[f"dL/dX{c + 1}" if channels > 1 else "dL/dX"] = truth["dL/dX"][c]
    return found


def cells(truth: dict[str, np.ndarray]) -> dict[str, float]:
    """Every blank of the page (check-hand's cell names) with torch's value."""
    found: dict[str, float] = {}
    for name, grid in grid_names(truth).items():
        if name.startswith("dL/db"):
            found[name] = float(grid[0, 0])
            continue
        for (r, c), v in np.ndenumerate(grid):
            found[f"{name}[{r + 1},{c + 1}]"] = float(v)
    return found


def _rows(prefix: str, grid: np.ndarray, decimals: int = 4) -> dict[str, str]:
    return {f"{prefix}[{r + 1},{c + 1}]": f"{v:.{decimals}f}" for (r, c), v in np.ndenumerate(grid)}


def _padded(t: dict[str, np.ndarray]) -> np.ndarray:
    p = int(t["padding"])
    return np.pad(t["x"], ((0, 0), (p, p), (p, p)))


def _input_gradient(t: dict[str, np.ndarray], delta: np.ndarray, rotate: bool) -> np.ndarray:
    """∂L/∂x by the test's own loops (stride 1): each output cell hands δ·W back to its
    window's inputs; rotate=False lands each weight on the mirrored input (the kernel not
    rotated 180°)."""
    kernels = t["kernels"]
    used = kernels if rotate else kernels[:, :, ::-1, ::-1]
    p, k = int(t["padding"]), kernels.shape[-1]
    grad = np.zeros(_padded(t).shape)
    for f in range(delta.shape[0]):
        for i in range(delta.shape[1]):
            for j in range(delta.shape[2]):
                grad[:, i : i + k, j : j + k] += delta[f, i, j] * used[f]
    return grad[:, p : grad.shape[1] - p, p : grad.shape[2] - p]


def _kernel_gradient(t: dict[str, np.ndarray], delta: np.ndarray, c: int) -> np.ndarray:
    source, k = _padded(t)[c], t["kernels"].shape[-1]
    h, w = delta.shape
    return np.array([[np.sum(delta * source[u : u + h, v : v + w]) for v in range(k)]
                     for u in range(k)])  # fmt: skip


def _case(
    t: dict[str, np.ndarray], typed: dict[str, str], mistake: str
) -> tuple[dict[str, str], dict[str, str]] | None:
    """A submission of typed cells, its wrong ones meant as `mistake` (None: none is wrong)."""
    truth = cells(t)
    wrong = [k for k in typed if abs(float(typed[k]) - truth[k]) > 1.5e-4]
    return (typed, dict.fromkeys(wrong, mistake)) if wrong else None


def submissions(folder: Path) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """(student, {blank: text}, {blank: the verdict or mistake meant}) per submission, each
    mistake made here from torch's numbers."""
    cases = []
    for student in students(folder):
        data = problem(folder, student)
        t = by_torch(data)
        names = grid_names(t)
        several = t["x"].shape[0] > 1
        w1, x1 = ("dL/dW1_1", "dL/dX1") if several else ("dL/dW1", "dL/dX")
        k = names[w1].shape[0]
        right = {key: f"{v:.4f}" for key, v in cells(t).items()}
        made = [
            (right, {}),
            ({key: f"{v:.6f}" for key, v in cells(t).items()}, {}),
            _case(t, _rows(x1, _input_gradient(t, t["delta"], rotate=False)[0]),
                  "kernel_not_rotated"),
            # dL/dW1 from its last position alone
            _case(t, _rows(w1, t["delta"][0, -1, -1] * _padded(t)[0][-k:, -k:]), "one_position"),
            # δ1 written as ∂L/∂a1 (the activation's derivative left out)
            _case(t, _rows("delta1", t["dL/da"][0]), "activation_derivative_missing"),
        ]  # fmt: skip
        size = data["layers"][2]["size"]
        if data["layers"][2]["pool"] == "max":  # the window's gradient to all its inputs
            upstream = t["dL/da"][1].reshape(2, 2, 2, 2).sum(axis=(1, 3))
            made.append(_case(t, _rows("dL/da2", np.kron(upstream, np.ones((2, 2)))),
                              "pool_to_all"))  # fmt: skip
        else:  # the average's share not divided by size²
            made.append(_case(t, _rows("dL/da2", t["dL/da"][1] * size * size),
                              "pool_not_divided"))  # fmt: skip
        # a slip in δ1, then dL/dW1, dL/db1 and ∂L/∂x worked right from it: carried
        slipped = t["delta"][0].copy()
        at = np.unravel_index(int(np.argmax(np.abs(slipped))), slipped.shape)
        slipped[at] += 0.5
        slipped = np.round(slipped, 4)  # the student works on from the δ map as written
        typed = _rows("delta1", slipped) | _rows(w1, _kernel_gradient(t, slipped, 0))
        typed["dL/db1"] = f"{slipped.sum():.4f}"
        typed |= _rows(x1, _input_gradient(t, np.stack([slipped, t["delta"][1]]), True)[0])
        made.append((typed, {f"delta1[{at[0] + 1},{at[1] + 1}]": "wrong", "dL/db1": "carried"}))
        # the same worked in full precision and rounded at the end: what is recomputed from
        # the typed (rounded) δ maps is judged within the rounding they carry
        exact = t["delta"][0].copy()
        exact[at] += 0.5
        for decimals in (4, 6):
            typed = _rows("delta1", exact, decimals) | _rows("delta2", t["delta"][1], decimals)
            typed |= _rows(w1, _kernel_gradient(t, exact, 0), decimals)
            typed["dL/db1"] = f"{exact.sum():.{decimals}f}"
            typed |= _rows(x1, _input_gradient(t, np.stack([exact, t["delta"][1]]), True)[0],
                           decimals)  # fmt: skip
            made.append((typed, {f"delta1[{at[0] + 1},{at[1] + 1}]": "wrong", "dL/db1": "carried"}))
            not_rotated = _input_gradient(t, t["delta"], rotate=False)[0]
            typed = _rows("delta1", t["delta"][0], decimals)
            typed |= _rows("delta2", t["delta"][1], decimals) | _rows(x1, not_rotated, decimals)
            made.append(_case(t, typed, "kernel_not_rotated"))
        # one wrong cell alone, typed in part
        cell = f"{w1.replace('1', '2', 1)}[2,2]"
        made.append(({cell: f"{cells(t)[cell] + 0.3:.4f}"}, {cell: "wrong"}))
        # an integer for a cell that only rounds to it: too few decimals
        near = [key for key, v in cells(t).items() if 0.002 < abs(v) < 0.4]
        if near:
            made.append(({near[0]: "0"}, {near[0]: "too few decimals"}))
        cases += [(student, typed, meant) for typed, meant in filter(None, made)]
    return cases


def check_hand_rows(problem_file: Path, typed: dict[str, str]) -> list[list[str]]:
    """check-hand's verdicts of the same numbers: a grid typed in full written as a grid, the
    rest cell by cell (as the page groups them)."""
    from symbp.api.conv_hand import check_hand_conv

    truth = grid_names(by_torch(tomllib.loads(problem_file.read_text(encoding="utf-8"))))
    grids: dict[str, dict[tuple[int, int], str]] = {}
    lines = []
    for key, value in typed.items():
        if "[" in key:
            name, _, index = key.partition("[")
            r, c = (int(n) for n in index.rstrip("]").split(","))
            grids.setdefault(name, {})[(r, c)] = value
        else:
            lines.append(f"{key} = {value}")
    for name, written in grids.items():
        rows, columns = truth[name].shape
        if len(written) == rows * columns:
            lines.append(f"{name} =")
            lines += ["  ".join(written[(r, c)] for c in range(1, columns + 1))
                      for r in range(1, rows + 1)]  # fmt: skip
            lines.append("")
        else:
            lines += [f"{name}[{r},{c}] = {v}" for (r, c), v in written.items()]
    report = check_hand_conv(problem_file, "\n".join(lines) + "\n").report
    found = []
    for cell in report.cells:
        if cell.quantity.kind == "grad_b":
            key = cell.name
        else:
            key = f"{cell.name.split('[')[0]}[{cell.row + 1},{cell.col + 1}]"
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
@pytest.mark.parametrize("name", list(CLASSES))
def test_the_page_judges_a_class_as_check_hand_does(name: str, folders: dict[str, Path]) -> None:
    from tests.cdp import Browser

    folder = folders[name]
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
    pooling = "pool_to_all" if name == "teaching" else "pool_not_divided"
    assert meant_anywhere >= {"carried", "wrong", "too few decimals", "kernel_not_rotated",
                              "one_position", pooling}  # fmt: skip
    if name == "average":  # tanh′ is never 1
        assert "activation_derivative_missing" in meant_anywhere


@pytest.mark.parametrize("name", list(CLASSES))
def test_the_moodle_quiz_parses_and_its_answers_are_torchs(
    name: str, folders: dict[str, Path]
) -> None:
    from tests.moodle_cloze import extract_question, validate_question

    folder = folders[name]
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
        assert "{#1}" in text and "dL/dX" in text
    assert any("rotated 180" in f for f in named)
    assert any("every position" in f for f in named)


def test_what_a_conv_folder_cannot_do_is_refused_in_one_line(tmp_path: Path) -> None:
    from symbp.errors import SymbpError

    homework = conv_exercises(conv_spec_from_mapping(TEACHING), count=1, seed=5)
    with pytest.raises(SymbpError, match="consistency is for dense"):
        homework.write(tmp_path / "a", interactive="consistency")
    with pytest.raises(SymbpError, match="must end in .xml"):
        homework.write(tmp_path / "b", moodle=tmp_path / "quiz.txt")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    homework.write(tmp_path / "c")  # no page, no quiz unless asked
    assert not (tmp_path / "c" / "s001" / "selfcheck.html").exists()


def test_the_command_line_writes_the_pages_and_the_quiz(tmp_path: Path) -> None:
    """`symbp exercise --spec conv.toml --interactive --moodle quiz.xml` reaches the same
    writer: a page per student, holding none of its key's numbers, and a quiz with a question
    per student."""
    from symbp.cli import main

    spec = Path(__file__).resolve().parent.parent / "examples" / "models" / "conv_teaching.toml"
    out, quiz = tmp_path / "ex", tmp_path / "quiz.xml"
    code = main(
        ["exercise", "--spec", str(spec), "--count", "2", "--interactive"]
        + ["--moodle", str(quiz), "--out", str(out)]
    )
    assert code == 0
    questions = ET.parse(quiz).getroot().findall("question[@type='cloze']")
    assert len(questions) == 2
    for student in ("s001", "s002"):
        page = (out / student / "selfcheck.html").read_text(encoding="utf-8")
        key = (out / "key" / f"{student}.txt").read_text(encoding="utf-8")
        answers = [line.split("=")[-1].strip() for line in key.splitlines() if "=" in line]
        numbers = [a for a in answers if any(ch.isdigit() for ch in a) and len(a) > 4]
        assert numbers and not [n for n in numbers if n in page]


def _typed_forms(value: float) -> dict[str, bool]:
    """Ways a student types one cell, each with whether conv check-hand reads it (a cell of a
    grid: a plain number, brackets and separators around it, a leading ≈ or ~; a comma between
    digits is a decimal comma unless the commas separate cells (a comma and a space, a
    semicolon, a bracket), 1,234 refused as ambiguous, as dense check-hand refuses it; no
    fraction or remark)."""
    plain = f"{value:.4f}"
    wide = plain.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789.-"})
    return {
        plain: True,
        plain.replace("-", "\u2212"): True,  # a word processor's minus
        wide: True,  # a Chinese input method's full-width digits
        f"[{plain}]": True,
        f"({plain})": True,
        f"{plain};": True,
        f"{plain},": True,
        f"  {plain}  ": True,
        f"{plain} # rounded": True,
        f"{value:.3e}": True,
        f"{value:.3E}": True,
        ".5": True,
        "+0.5": True,
        "0": True,
        "0." + "1" * 38: True,  # 40 characters, hand_input.read_number's longest
        "0." + "1" * 39: False,
        "0,5": True,
        plain.replace(".", ","): True,  # a decimal comma
        plain.replace(".", ",").replace("-", "\u2212"): True,
        f"≈ {plain}": True,
        f"≈{plain.replace('.', ',')}": True,
        f"~{plain}": True,
        "1,234": False,  # a thousand or a decimal: ambiguous
        "0,5 0,5": False,
        "0, 5": False,  # the comma separates two cells
        "[0,5]": False,
        "0,5;": False,
        "≈≈0.5": False,
        f"{plain} (rounded)": False,
        "-1/3": False,
        "1.5×10^-3": False,
        f"{plain} {plain}": False,
        f"{plain}.": False,
        "--0.5": False,
        "1e400": False,  # not finite
        "1e999": False,
        "1e5000": False,
        "abc": False,
    }


def test_the_page_reads_a_typed_cell_as_check_hand_does(folder: Path) -> None:
    """The page reads what check-hand reads in `dL/db1 = <typed>`, refuses what it refuses, and
    judges what it reads alike (the same decimals: right, or too few, or wrong)."""
    from symbp.api.conv_hand import check_hand_conv
    from symbp.errors import SymbpError
    from tests.cdp import Browser

    binary = require_tool("chromium")
    problem_file = folder / "s001" / "problem.toml"
    value = cells(by_torch(problem(folder, "s001")))["dL/db1"]
    forms = _typed_forms(value)
    read: dict[str, bool] = {}
    with Browser(binary) as browser:
        browser.open(folder / "s001" / "selfcheck.html")
        for form in forms:
            rows = page_rows(browser, {"dL/db1": form})["rows"]
            try:
                report = check_hand_conv(problem_file, f"dL/db1 = {form}\n").report
                want = [["dL/db1", cell.verdict, cell.mistake] for cell in report.cells]
            except SymbpError as error:
                want = [["dL/db1", "unreadable", ""]]
                problem_said = str(error).removeprefix("line 1: ").split(":")[0]
                if "finite" in problem_said or "could be" in problem_said:  # the same words
                    assert problem_said in rows[0][3], (form, rows[0][3])
            assert [row[:3] for row in rows] == want, form
            read[form] = rows[0][1] != "unreadable"
        assert browser.exceptions == []
    assert read == forms
