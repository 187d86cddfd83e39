"""A trial's cosmetic findings on issue 23: "∂o1/∂z_o1 = 1 = 1", a dropped unit's empty "()" in
Why the sign, and `step --help` naming only some of the optimizers of the table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symbp.cli import main
from symbp.core.operations import OPTIMIZERS

#: the trial's drop07.toml: unit h2 is dropped in sample 1 (mask 0), h1 kept
DROP07 = {
    "title": "drop07.toml",
    "layers": [2, 3, 2],
    "activation": ["tanh", "identity"],
    "bias": "per-unit",
    "bias_values": [0.1, -0.2, 0.15, 0.3, 0.05],
    "inputs": [[0.5, -1.2], [-0.3, 0.8]],
    "weights": [0.4, -0.7, 0.2, 0.9, 0.3, -0.5, 1.2, -0.8, 0.6, 1.1, -0.4, 0.7],
    "learning_rate": 0.5,
    "targets": [[1.5, -0.3], [0.2, 0.9]],
    "loss": "half_sse",
    "dropout": {"keep_prob": 0.7, "masks": {"1": [[1, 0, 1], [0, 1, 1]]}},
}


def _derive(tmp_path: Path, capsys: pytest.CaptureFixture[str], weight: str) -> str:
    spec = tmp_path / "drop07.json"
    spec.write_text(json.dumps(DROP07), encoding="utf-8")
    assert main(["derive", "--spec", str(spec), "--wrt", weight]) == 0
    return " ".join(capsys.readouterr().out.split())


def test_dropped_unit_says_why_and_identity_prime_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dropped = _derive(tmp_path, capsys, "w2")  # w2: x1 → h2 (by-source)
    assert "()" not in dropped
    assert "is zero (dropout drops the unit in this sample: m_h2 = 0)" in dropped
    kept = _derive(tmp_path, capsys, "w1")
    assert "dropout keeps the unit, m_h1 = 1" in kept
    output = _derive(tmp_path, capsys, "w7")
    assert "= 1 = 1" not in output and "∂o1/∂z_o1 = 1 is positive" in output


def test_step_help_names_every_optimizer(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["step", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for optimizer in OPTIMIZERS:
        assert optimizer.name in text and optimizer.label in text, optimizer.name
