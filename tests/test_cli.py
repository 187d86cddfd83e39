"""The command line end to end, in a real subprocess where start-up matters."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from symbp.cli import main

from .conftest import MOOC_GRADIENTS, MOOC_LOSS, MOOC_WEIGHTS, require_module


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "symbp", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_derive_w1_answers_the_seed_question() -> None:
    require_module("torch")
    result = run("derive", "--weight", "w1")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "x1 → h1" in out
    assert "∂L/∂w1 = ∂L/∂o1·∂o1/∂z_o1·∂z_o1/∂h1·∂h1/∂z_h1·∂z_h1/∂w1" in out
    assert "∂o1/∂z_o1 = o1·(1 - o1)" in out
    assert "= (δ_o1·w5 + δ_o2·w6)·h1·(1 - h1)" in out
    assert f"  ∂L/∂w1 = {MOOC_GRADIENTS[0]:.10f}" in out
    assert "is negative: gradient descent raises w1" in out
    assert "torch autograd (float64) gives -0.0084214805" in out
    assert "agrees" in out


@pytest.mark.slow
def test_derive_all_json_has_every_weight() -> None:
    require_module("torch")
    result = run("derive", "--all", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["loss"] == pytest.approx(MOOC_LOSS, abs=1e-9)
    gradients = [d["gradient"] for d in document["derivations"]]
    assert gradients == pytest.approx(MOOC_GRADIENTS, abs=1e-9)
    assert all(d["check"]["passed"] for d in document["derivations"])
    w1 = document["derivations"][0]
    assert w1["edge"] == {"source": "x1", "target": "h1"}
    assert [f["symbol"] for f in w1["paths"][0]["factors"]][0] == "∂L/∂o1"


def test_no_check_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from symbp.cli import main\n"
        "status = main(['derive', '--weight', 'w1', '--no-check'])\n"
        "assert status == 0\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_check_table_passes() -> None:
    require_module("torch")
    result = run("check")
    assert result.returncode == 0, result.stderr
    assert "all agree" in result.stdout
    assert result.stdout.count(" ok") == 9


def test_step_prints_updated_weights() -> None:
    result = run("step", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    updated = [w["updated"] for w in document["weights"]]
    expected = [w - g for w, g in zip(MOOC_WEIGHTS, MOOC_GRADIENTS, strict=True)]
    assert updated == pytest.approx(expected, abs=1e-9)
    assert document["loss_after"] < document["loss_before"]


def test_step_text() -> None:
    result = run("step")
    assert result.returncode == 0
    assert "0.2084214805" in result.stdout  # w1 after one step: 0.2 + 0.0084214805


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["derive", "--weight", "w9"], "unknown weight 'w9'; this network has 8: w1, w2"),
        (["derive"], "say which weight"),
        (["derive", "--weight", "w1", "--format", "pdf"], "invalid choice: 'pdf'"),
        (["derive", "--weight", "w1", "--spec", "absent.toml"], "cannot read spec file"),
        (["step", "--lr", "nan"], "learning rate (--lr) must be a finite number"),
        (["step", "--lr", "fast"], "invalid float value: 'fast'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("layers = [2, 2", ".toml", "not valid TOML"),
        ('{"layers": [2, 2], "inputs": [NaN, 1]}', ".json", "NaN is not a finite number"),
        (
            "layers = [2, 2]\ninputs = [1]\ntargets = [1, 1]\nweights = [1, 1, 1, 1]",
            ".toml",
            "inputs has 1 values but the layers need 2",
        ),
        (
            "layers = [2, 2]\ninputs = ['x', 1]\ntargets = [1, 1]\nweights = [1, 1, 1, 1]",
            ".toml",
            "inputs[0] must be a number",
        ),
        (
            "layers = [2, 2]\ninputs = [inf, 1]\ntargets = [1, 1]\nweights = [1, 1, 1, 1]",
            ".toml",
            "must be a finite number",
        ),
        ("layers = [2, 2]\nmomentum = 1", ".toml", "unknown key 'momentum'"),
        ("layers = [2, 500, 2]", ".toml", "outside 1..128"),
        ("layers = [2, 2]\ninputs = [__import__('os').system('id'), 1]", ".toml", "not valid TOML"),
    ],
)
def test_bad_spec_files(tmp_path: Path, content: str, suffix: str, message: str) -> None:
    path = tmp_path / f"net{suffix}"
    path.write_text(content)
    result = run("derive", "--weight", "w1", "--no-check", "--spec", str(path))
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr


def test_spec_file_of_another_shape(tmp_path: Path) -> None:
    require_module("torch")
    path = tmp_path / "net.toml"
    path.write_text(
        "layers = [3, 4, 2]\ninputs = [1, 0.5, -1]\ntargets = [0, 1]\n"
        f"weights = {[round(0.1 * i - 1, 2) for i in range(20)]}\n"
    )
    result = run("check", "--spec", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(" ok") == 21


def test_in_process_main_returns_status() -> None:
    assert main(["derive", "--weight", "w2", "--no-check", "--format", "json"]) == 0


def test_train_csv_matches_torch_sgd() -> None:
    require_module("torch")
    from symbp.core.spec import default_spec
    from symbp.torchcheck.replay import torch_training

    result = run("train", "--steps", "5", "--lr", "0.5", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = [line.split(",") for line in result.stdout.splitlines()]
    assert rows[0] == ["step", "loss"] + [f"w{i}" for i in range(1, 9)]
    losses, final = torch_training(default_spec(), steps=5, learning_rate=0.5)
    assert [float(row[1]) for row in rows[1:]] == pytest.approx(losses, abs=1e-13)
    assert [float(v) for v in rows[-1][2:]] == pytest.approx(final, abs=1e-13)


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_train_plot_draws_the_loss_curve(tmp_path: Path, suffix: str) -> None:
    require_module("matplotlib")
    path = tmp_path / f"loss{suffix}"
    result = run("train", "--steps", "4", "--plot", str(path))
    assert result.returncode == 0, result.stderr
    assert "4 gradient-descent steps" in result.stdout
    data = path.read_bytes()
    if suffix == ".png":
        assert data.startswith(b"\x89PNG")
    else:
        import xml.etree.ElementTree as ElementTree

        root = ElementTree.fromstring(data)
        assert root.tag.endswith("svg")
        again = tmp_path / "again.svg"
        run("train", "--steps", "4", "--plot", str(again))
        assert again.read_bytes() == data  # deterministic


def test_train_without_plot_does_not_import_matplotlib() -> None:
    code = (
        "import sys\n"
        "from symbp.cli import main\n"
        "assert main(['train', '--steps', '2', '--format', 'json']) == 0\n"
        "assert 'matplotlib' not in sys.modules\n"
        "assert 'torch' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--plot", "loss.pdf"], "--plot file 'loss.pdf' must end in .png or .svg"),
        (["train", "--steps", "-3"], "--steps must be from 0 to"),
        (["train", "--lr", "inf"], "--lr must be a finite number"),
    ],
)
def test_train_bad_input(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_derive_a_bias() -> None:
    root = Path(__file__).resolve().parent.parent
    result = run(
        "derive", "--weight", "b2", "--no-check", "--spec", str(root / "examples/mazur_2_2_2.toml")
    )
    assert result.returncode == 0, result.stderr
    assert "b2 = 0.6 is the bias added to z_o1, z_o2" in result.stdout
    assert "This bias is fixed" in result.stdout
    assert "∂L/∂b2 = δ_o1 + δ_o2" in result.stdout


def test_saturated_network_json_is_strict_json(tmp_path: Path) -> None:
    path = tmp_path / "net.toml"
    path.write_text(
        "layers = [2, 2, 3]\nactivation = ['tanh', 'softmax']\nloss = 'cross_entropy'\n"
        "inputs = [0.5, 0.3]\ntargets = 2\n"
        "weights = [1000, -1000, 1000, 1000, -1000, 1000, 1000, -1000, 1000, -1000]\n"
    )
    result = run("derive", "--all", "--format", "json", "--no-check", "--spec", str(path))
    assert result.returncode == 0, result.stderr

    def reject(constant: str) -> None:
        raise AssertionError(f"{constant} in JSON")

    document = json.loads(result.stdout, parse_constant=reject)
    assert all(d["gradient"] == d["gradient"] for d in document["derivations"])
