"""Convolution exercises (issue 21 item 4): each student's numbers drawn from their own stream
(the same whatever the roster's order), nice and never 0, redrawn away from max-pool ties and
relu kinks; the written problem.toml reads back as the variant; the key's numbers agree with
torch autograd on the student's own numbers and check-hand judges the key all right; the
worksheet's grids show the student's numbers."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from symbp.api.conv_homework import conv_exercises
from symbp.classroom.csvfiles import Student
from symbp.core.conv_spec import conv_spec_from_mapping, load_conv_spec
from tests.conftest import require_module
from tests.test_conv_handout import TEACHING

SPEC = conv_spec_from_mapping(TEACHING)


def _numbers(variant) -> tuple[float, ...]:
    return (*variant.spec.inputs[0], *(v for _, values in variant.spec.parameters for v in values))


def test_a_students_numbers_depend_on_the_seed_and_their_id_alone() -> None:
    ids = [Student("ann"), Student("bo"), Student("chen")]
    forward = conv_exercises(SPEC, students=ids, seed=11).variants
    backward = conv_exercises(SPEC, students=ids[::-1], seed=11).variants
    by_id = {v.student.id: _numbers(v) for v in backward}
    assert all(_numbers(v) == by_id[v.student.id] for v in forward)
    assert _numbers(forward[0]) != _numbers(forward[1])
    other = conv_exercises(SPEC, students=ids[:1], seed=12).variants[0]
    assert _numbers(other) != _numbers(forward[0])


def test_the_numbers_are_nice_nonzero_and_in_range() -> None:
    for variant in conv_exercises(SPEC, count=5, seed=2, decimals=1).variants:
        for value in _numbers(variant):
            assert value != 0 and -1 <= value <= 1
            assert round(value * 10) == pytest.approx(value * 10, abs=1e-9)


def _forward(data: dict) -> tuple[np.ndarray, np.ndarray]:
    """z and the relu maps of the problem file, with the test's own loops."""
    x = np.array(data["inputs"][0], dtype=float)[0]
    kernels = np.array(data["weights"]["conv1"], dtype=float)
    bias = np.array(data["bias_values"]["conv1"], dtype=float)
    z = np.array([[[np.sum(x[i : i + 3, j : j + 3] * kernels[f, 0]) + bias[f]
                    for j in range(4)] for i in range(4)] for f in range(2)])  # fmt: skip
    return z, np.maximum(z, 0)


def test_the_written_folder_keeps_away_from_ties_and_kinds_and_its_key_is_right(
    tmp_path: Path,
) -> None:
    require_module("torch")
    import torch

    folder = tmp_path / "week9"
    conv_exercises(SPEC, count=4, seed=9).write(folder)
    margin = 10 * 0.5e-4
    for student in ("s001", "s002", "s003", "s004"):
        problem = folder / student / "problem.toml"
        data = tomllib.loads(problem.read_text(encoding="utf-8"))
        z, a = _forward(data)
        assert np.all(np.abs(z) >= margin)  # no relu kink within reach of rounding
        for f in range(2):
            for i in (0, 2):
                for j in (0, 2):
                    top = np.sort(a[f, i : i + 2, j : j + 2].ravel())[::-1]
                    assert top[0] - top[1] >= margin  # no tie in a max pooling window
        # the key agrees with torch autograd on the student's own numbers
        x = torch.tensor(data["inputs"][0], dtype=torch.float64).requires_grad_()
        kernels = torch.tensor(data["weights"]["conv1"], dtype=torch.float64).requires_grad_()
        bias = torch.tensor(data["bias_values"]["conv1"], dtype=torch.float64).requires_grad_()
        dense = torch.tensor(data["weights"]["dense3"], dtype=torch.float64)
        dense_bias = torch.tensor(data["bias_values"]["dense3"], dtype=torch.float64)
        zt = torch.nn.functional.conv2d(x[None], kernels, bias)[0]
        zt.retain_grad()
        pooled = torch.nn.functional.max_pool2d(torch.relu(zt)[None], 2)[0]
        out = torch.sigmoid(dense @ pooled.reshape(-1) + dense_bias)
        loss = 0.5 * ((out - torch.tensor(data["targets"][0], dtype=torch.float64)) ** 2).sum()
        loss.backward()
        key = (folder / "key" / f"{student}.txt").read_text(encoding="utf-8")
        grids = _key_grids(key)
        for f in range(2):
            assert np.allclose(grids[f"delta{f + 1}"], zt.grad[f].numpy(), atol=5e-5)
            assert np.allclose(grids[f"dL/dW{f + 1}"], kernels.grad[f, 0].numpy(), atol=5e-5)
        assert np.allclose(grids["dL/dX"], x.grad[0].numpy(), atol=5e-5)
        # check-hand reads the problem file and judges the key all right
        run = subprocess.run(
            [sys.executable, "-m", "symbp", "check-hand", str(folder / "key" / f"{student}.txt"),
             "--spec", str(problem)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout + run.stderr
        # the problem file reads back as the variant
        assert load_conv_spec(problem).inputs[0] == tuple(
            float(v) for row in data["inputs"][0][0] for v in row
        )


def _key_grids(key: str) -> dict[str, np.ndarray]:
    grids: dict[str, list[list[float]]] = {}
    current = None
    for line in key.splitlines():
        if line.startswith("#"):
            continue
        if "=" in line:
            name, _, rest = line.partition("=")
            current = name.strip()
            grids[current] = [[float(rest)]] if rest.strip() else []
        else:
            grids[current].append([float(t) for t in line.split()])
    return {name: np.array(rows) for name, rows in grids.items()}


def test_the_worksheet_shows_the_students_own_numbers(tmp_path: Path) -> None:
    folder = tmp_path / "ex"
    conv_exercises(SPEC, count=1, seed=4, lang="zh").write(folder)
    data = tomllib.loads((folder / "s001" / "problem.toml").read_text(encoding="utf-8"))
    page = (folder / "s001" / "worksheet.html").read_text(encoding="utf-8")
    svg = re.search(r"<svg.*?</svg>", page, flags=re.S).group(0)
    cells = [e.text for e in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")
             if e.get("class") == "cell"]  # fmt: skip
    pixels = [v for row in data["inputs"][0][0] for v in row]
    kernels = [v for f in data["weights"]["conv1"] for row in f[0] for v in row]
    assert [float(c) for c in cells] == pixels + kernels
    assert "卷积练习" in page and "check-hand" in page


def test_the_cli_writes_a_conv_exercise_and_refuses_what_it_does_not_take(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "conv.toml"
    spec.write_text(
        (Path(__file__).parent / "conv_hand" / "problem.toml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "symbp", "exercise", "--spec", str(spec), "--count", "2",
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "s002" / "problem.toml").is_file()
    refused = subprocess.run(
        [sys.executable, "-m", "symbp", "exercise", "--spec", str(spec), "--count", "2",
         "--out", str(tmp_path / "o2"), "--ask", "w1"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
