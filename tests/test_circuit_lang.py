"""Every command that takes an expression honours --lang as the network commands do: derive
(text, HTML, LaTeX), handout, check-hand and exercise write Chinese prose for --lang zh, with
the numbers of CS231n's f = (x + y)·z (f = −12, ∂f/∂x = ∂f/∂y = −4, ∂f/∂z = 3: CS231n's notes,
"Backpropagation, Intuitions")."""

from __future__ import annotations

from pathlib import Path

import pytest

from symbp.cli import main

CS231N = ["--expr", "q = x + y; f = q * z", "--at", "x=-2,y=5,z=-4"]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("fmt", ["text", "html", "latex", "markdown"])
def test_derive_lang_zh_writes_the_derivation_in_chinese(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(["derive", *CS231N, "--all", "--lang", "zh", "--format", fmt], capsys)
    assert status == 0
    for words in ("计算图", "前向传播", "反向传播", "乘法门", "加法门", "所有梯度一致"):
        assert words in out, words
    assert "Forward pass" not in out and "Backward pass" not in out
    if fmt == "text":
        gradients = out.split("f 的梯度")[1].split("闭式表达")[0]
        assert "∂f/∂x = -4.0000000000" in gradients and "∂f/∂z = 3.0000000000" in gradients
        assert "f = q·z   = 3.000 × (-4) = -12.00" in out


def test_derive_lang_en_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["derive", *CS231N, "--all", "--no-check"], capsys)
    assert status == 0 and "Forward pass" in out and "前向传播" not in out


def test_a_network_derive_refuses_zh_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["derive", "--all", "--lang", "zh"], capsys)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "handout --lang zh" in err


def test_check_hand_and_handout_of_an_expression_in_chinese(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    homework = tmp_path / "hw.txt"
    homework.write_text("q = 3\nf = -12\ndf/dx = -4\ndf/dz = -3\n", encoding="utf-8")
    status, out, _ = run(["check-hand", str(homework), *CS231N, "--lang", "zh"], capsys)
    assert status == 1
    assert "计算图作业检查" in out and "4 个数中 3 个正确" in out
    written = tmp_path / "h.md"
    status, _, _ = run(
        ["handout", *CS231N, "-o", str(written), "--lang", "zh", "--no-check"], capsys
    )
    assert status == 0 and "反向传播" in written.read_text(encoding="utf-8")
