"""Every command has help a newcomer can learn from: a description and a real example."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from symbp import __version__
from symbp.cli import build_parser as _build_parser


def command_names() -> list[str]:
    parser = _build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return sorted(action.choices)
    raise AssertionError("symbp has no subcommands")


def help_text(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "symbp", *args, "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_there_are_commands() -> None:
    assert {"derive", "check", "step"} <= set(command_names())


@pytest.mark.parametrize("command", command_names())
def test_every_command_has_help_with_a_runnable_example(command: str) -> None:
    text = help_text(command)
    assert f"usage: symbp {command}" in text
    assert "example" in text
    examples = [
        line.strip() for line in text.splitlines() if line.strip().startswith(f"symbp {command}")
    ]
    assert examples, f"no example line for {command}"


def test_top_level_help_lists_every_command() -> None:
    text = help_text()
    for command in command_names():
        assert command in text


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "symbp", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"symbp {__version__}"
