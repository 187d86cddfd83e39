"""Convolutional specs on the command line (issue 21): derive, check and export dispatch on a
layers list that begins with [C, H, W]; bad input is one line naming the layer and the numbers,
exit status 2; every format renders; JSON holds every gradient; the exported torch script runs
and prints torch's own gradients."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from symbp.cli import main
from tests.conftest import require_module, require_tool

TEACHING = """
title = "Teaching net"
layers = [[1, 4, 4], { conv = 2, kernel = 3, stride = 1, padding = 0, activation = "relu" },
          { pool = "max", size = 2 }, { dense = 2, activation = "sigmoid" }]
inputs = [[[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8], [0.9, 1.0, 1.1, 1.2], [1.3, 1.4, 1.5, 1.6]]]
bias_values = { conv1 = [0.1, -0.2], dense3 = [0.0, 0.0] }
targets = [1.0, 0.0]

[weights]
conv1 = [[[[0.1, 0.2, -0.1], [0.0, 0.3, 0.1], [-0.2, 0.1, 0.2]]],
         [[[0.2, -0.1, 0.1], [0.1, 0.1, -0.3], [0.2, 0.0, 0.1]]]]
dense3 = [[0.5, -0.4], [0.3, 0.8]]
"""


def _spec(tmp_path: Path, text: str = TEACHING, name: str = "conv.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


BAD = [
    ("kernel = 3, stride = 1", "kernel = 5, stride = 1",
     "layer 1 (conv): kernel 5×5 is larger than the padded input 4×4"),
    ("kernel = 3, stride = 1, padding = 0,", "kernel = 3, stride = 2, padding = 0,",
     "layer 1 (conv): stride 2 does not fit the rows: 4 + 2·0 − 3 (kernel) = 1"),
    ('{ pool = "max", size = 2 }', '{ pool = "max", size = 3 }',
     "layer 2 (pool): window 3×3 is larger than its input 2×2"),
    ("dense3 = [[0.5, -0.4], [0.3, 0.8]]", "dense3 = [[0.5, -0.4, 1.0], [0.3, 0.8, 1.0]]",
     "weights.dense3 is a list of shape [2, 3] but needs a nested list of shape [2, 2]"),
    ("bias_values = { conv1 = [0.1, -0.2]", "bias_values = { conv1 = [0.1]",
     "bias_values.conv1 is a list of 1 value(s) but needs a list of 2 number(s)"),
    ("[0.1, 0.2, 0.3, 0.4], [0.5", "[0.1, 0.2, 0.3], [0.5",
     "inputs is a list of shape [1, 4, 3] but needs a nested list of shape [1, 4, 4]"),
    ("[0.5, 0.6, 0.7, 0.8]", "[0.5, 0.6, 0.7]",
     "inputs[0, 1] must be a list of 4 (numbers): the lists are ragged"),
    ("dense3 = [[0.5", "dense7 = [[0.5",
     "weights.dense7: no layer with weights is called so (did you mean 'dense3'?)"),
    ('{ pool = "max", size = 2 }', '{ pool = "mean", size = 2 }', "unknown pool 'mean'"),
    ("targets = [1.0, 0.0]", "targets = [1.0, 0.0, 1.0]",
     "targets has 3 values but the layers need 2"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_bad_input_is_one_line_naming_the_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    assert old in TEACHING
    spec = _spec(tmp_path, TEACHING.replace(old, new, 1))
    assert main(["check", "--spec", spec]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("symbp: error: ")
    assert message in err, err


def test_unknown_weight_name_suggests_the_nearest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _spec(tmp_path)
    assert main(["derive", "--spec", spec, "--weight", "conv1_w[0,0,1,3]", "--no-check"]) == 2
    assert "did you mean 'conv1_w[0,0,1,2]'" in capsys.readouterr().err
    # a name typed in another case is the weight itself, as for dense weights
    assert main(["derive", "--spec", spec, "--weight", "CONV1_W[0,0,1,2]", "--no-check"]) == 0


def test_step_runs_on_a_conv_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the numbers against torch.optim: tests/test_fit.py
    assert main(["step", "--spec", _spec(tmp_path)]) == 0
    assert "1 gradient-descent step" in capsys.readouterr().out
    assert main(["step", "--spec", _spec(tmp_path), "--format", "mathml"]) == 2
    assert "a convolutional or recurrent network's step prints" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "latex", "mathml"])
def test_derive_renders_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    spec = _spec(tmp_path)
    code = main(
        ["derive", "--spec", spec, "--weight", "conv1_w[0,0,1,2]", "--format", fmt, "--no-check"]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "conv1" in out and "0.0083903755" in out.replace("−", "-")


def test_latex_compiles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    engine = require_tool("pdflatex")
    spec = _spec(tmp_path)
    assert (
        main(
            [
                "derive",
                "--spec",
                spec,
                "--weight",
                "conv1_w[1,0,2,2]",
                "--format",
                "latex",
                "--no-check",
            ]
        )
        == 0
    )
    tex = tmp_path / "conv.tex"
    tex.write_text(capsys.readouterr().out, encoding="utf-8")
    run = subprocess.run(
        [engine, "-interaction=nonstopmode", "-halt-on-error", tex.name],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:]
    assert "Overfull" not in (tmp_path / "conv.log").read_text(encoding="utf-8", errors="replace")


def test_check_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_module("torch")
    spec = _spec(tmp_path)
    assert main(["check", "--spec", spec, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["check"]["passed"] is True
    assert len(data["parameters"]) == 2 * 9 + 2 + 4 + 2
    assert (
        data["gradient_tensors"]["conv1_w"][0][0][1][2]
        == data["parameters"]["conv1_w[0,0,1,2]"]["gradient"]
    )
    for name, entry in data["parameters"].items():
        assert abs(entry["gradient"] - data["check"]["torch"][name]) <= 1e-12
    assert len(data["input_gradients"][0][0]) == 4


def test_derive_json_lists_every_term(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = _spec(tmp_path)
    assert (
        main(
            [
                "derive",
                "--spec",
                spec,
                "--weight",
                "conv1_w[0,0,1,2]",
                "--format",
                "json",
                "--no-check",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    terms = data["derived"]["conv1_w[0,0,1,2]"]
    # one term per output position of filter 0 (2×2), each δ × the pixel the weight meets there
    assert [t["multiplies"] for t in terms] == ["x[0,1,2]", "x[0,1,3]", "x[0,2,2]", "x[0,2,3]"]
    total = sum(t["term"] for t in terms)
    assert abs(total - data["parameters"]["conv1_w[0,0,1,2]"]["gradient"]) <= 1e-15


def test_exported_torch_script_prints_torch_gradients(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_module("torch")
    spec = _spec(tmp_path)
    script = tmp_path / "net.py"
    assert main(["export", "--torch", "--spec", spec, "-o", str(script)]) == 0
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert main(["derive", "--spec", spec, "--all", "--format", "json", "--no-check"]) == 0
    data = json.loads(capsys.readouterr().out)
    first = run.stdout.splitlines()[0]
    assert first.startswith("L = ")
    assert abs(float(first.split("=")[1]) - data["loss"]) <= 1e-12
    conv_line = next(line for line in run.stdout.splitlines() if line.startswith("0.weight grad"))
    by_torch = json.loads(conv_line.split("grad", 1)[1])
    ours = data["gradient_tensors"]["conv1_w"]
    flat = [v for f in by_torch for c in f for row in c for v in row]
    assert flat == pytest.approx([v for f in ours for c in f for row in c for v in row], abs=1e-15)


def test_chinese_latex_compiles_with_xelatex(tmp_path: Path) -> None:
    engine = require_tool("xelatex")
    import tomllib

    import symbp

    result = symbp.conv(tomllib.loads(TEACHING), ["conv1_w[1,0,2,2]"], check=False, lang="zh")
    tex = tmp_path / "conv-zh.tex"
    tex.write_text(result.render("latex"), encoding="utf-8")
    run = subprocess.run(
        [engine, "-interaction=nonstopmode", "-halt-on-error", tex.name],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:]
    assert "Overfull" not in (tmp_path / "conv-zh.log").read_text(
        encoding="utf-8", errors="replace"
    )
