"""What a newcomer meets first: a handout without torch, an install hint for this Python, and
near-miss names (W1, w1,w5, a misspelt spec key) met with the name meant or a suggestion."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from symbp import cli
from symbp.near import closest, resolve
from symbp.torchcheck import worker as torch_worker
from symbp.torchcheck.worker import INSTALL_HINT, TorchMissingError


def test_handout_no_check_works_without_torch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(torch_worker, "torch_installed", lambda: False)
    # without --no-check the error names the option that helps ...
    assert cli.main(["handout", "-o", "h.html"]) == cli.EXIT_BAD_INPUT
    assert "--no-check" in capsys.readouterr().err
    # ... and the option exists
    assert cli.main(["handout", "-o", "h.md", "--no-check"]) == cli.EXIT_OK
    text = (tmp_path / "h.md").read_text(encoding="utf-8")
    assert "Backward pass" in text
    assert "torch autograd" not in text  # no check table
    assert capsys.readouterr().err == ""


def test_the_install_hint_uses_the_running_python() -> None:
    # `pip` alone is refused on Debian outside a virtual environment or installs elsewhere
    words = shlex.split(INSTALL_HINT)
    assert words[:4] == [sys.executable, "-m", "pip", "install"]
    assert "https://download.pytorch.org/whl/cpu" in words
    assert INSTALL_HINT in str(TorchMissingError())


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        (["--weight", "W1"], ["--weight", "w1"]),
        (["--weight", "w1,w5"], ["--weight", "w1", "--weight", "w5"]),
        (["--weight", " w1 , W5 "], ["--weight", "w1", "--weight", "w5"]),
        (["--wrt", "H1"], ["--wrt", "h1"]),
        (["--wrt", "h1,x2"], ["--wrt", "h1", "--wrt", "x2"]),
    ],
)
def test_derive_reads_names_as_check_hand_and_show_do(
    capsys: pytest.CaptureFixture[str], given: list[str], meant: list[str]
) -> None:
    assert cli.main(["derive", *meant, "--no-check"]) == cli.EXIT_OK
    expected = capsys.readouterr().out
    assert cli.main(["derive", *given, "--no-check"]) == cli.EXIT_OK
    assert capsys.readouterr().out == expected


def test_handout_show_and_focus_read_names_in_any_case(tmp_path: Path) -> None:
    assert cli.main(["handout", "-o", str(tmp_path / "a.md"), "--show", "w1", "--focus", "w5",
                     "--no-check"]) == cli.EXIT_OK  # fmt: skip
    assert cli.main(["handout", "-o", str(tmp_path / "b.md"), "--show", "W1", "--focus", "W5",
                     "--no-check"]) == cli.EXIT_OK  # fmt: skip
    assert (tmp_path / "a.md").read_bytes() == (tmp_path / "b.md").read_bytes()


@pytest.mark.parametrize(
    ("args", "spec", "message"),
    [
        (["derive", "--weight", "w10"], None, "unknown weight 'w10' (did you mean 'w1'?); "),
        (["derive", "--weight", ","], None, "--weight needs a name, e.g. --weight w1"),
        (["derive", "--wrt", "h01"], None, "(did you mean 'h1'?)"),
        (
            ["handout", "-o", "h.html", "--show", "w1,W15", "--no-check"],
            None,
            "'W15' (did you mean 'w5'?)",
        ),
        (["derive", "--all"], "layer = [2, 2, 2]", "unknown key 'layer' (did you mean 'layers'?)"),
        (
            ["derive", "--all"],
            "Layers = [2, 2, 2]",
            "unknown key 'Layers' (did you mean 'layers'?)",
        ),
        (["derive", "--all"], "activaton = 'relu'", "(did you mean 'activation'?)"),
        (
            ["derive", "--all"],
            "optimizer = { name = 'adam', beta = [0.9, 0.99] }",
            "adam has no setting 'beta' (did you mean 'betas'?)",
        ),  # fmt: skip
        (["derive", "--all"], "colour = 'red'", "unknown key 'colour'; known keys: title,"),
    ],
)
def test_near_misses_are_refused_with_a_suggestion(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
    spec: str | None,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    if spec is not None:
        base = "inputs = [0.5, 0.3]\ntargets = [0.23, -0.07]\nweights = 'zero'\n"
        if "layer" not in spec.lower():
            base += "layers = [2, 2, 2]\n"
        (tmp_path / "s.toml").write_text(base + spec + "\n", encoding="utf-8")
        args = [*args, "--spec", "s.toml", "--no-check"]
    assert cli.main(args) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("symbp: error: ") and err.count("\n") == 1
    assert message in err
    if "colour" in message:
        assert "did you mean" not in err  # nothing close: no guess


def test_resolve_accepts_case_only_when_it_is_unambiguous() -> None:
    assert resolve("W1", ["w1", "w2"]) == "w1"
    assert resolve("w1", ["w1", "W1"]) == "w1"
    assert resolve("B", ["b", "B2"]) == "b"
    assert resolve("W", ["w", "W "]) == "w"
    assert resolve("x", ["b", "B"]) is None
    assert resolve("B", ["b", "B"]) == "B"  # exact wins
    assert resolve("bb", ["Bb", "bB"]) is None  # two names differ from it by case only
    assert closest("weigths", ["weights", "layers"]) == "weights"
    assert closest("zzz", ["weights", "layers"]) is None
