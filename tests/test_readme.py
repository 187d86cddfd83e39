"""The README a newcomer follows to the letter: its tour runs exactly as printed in a new shell,
its test command is CI's, and it stays a guide one reads in a sitting."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
TEST_COMMAND = (
    "bash .ci/setup && . .venv/bin/activate && python3 -m pytest && ruff check . && "
    "ruff format --check . && mypy"
)


def section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def tour_commands(text: str = README) -> list[str]:
    """Every line of the tour's ```sh blocks, in order."""
    blocks = re.findall(r"^```sh\n(.*?)^```", section(text, "A short tour"), re.S | re.M)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def test_the_readme_is_a_guide_read_in_one_sitting() -> None:
    assert len(README.splitlines()) <= 400
    for heading in ("Two commands on a fresh machine", "A short tour", "Handouts",
                    "Checking a hand calculation", "Homework for a class", "Your own network",
                    "In Python and Jupyter"):  # fmt: skip
        assert f"\n## {heading}\n" in README
    # every page it sends the reader to exists
    for link in re.findall(r"\]\(((?:docs/|CONTRIBUTING)[^)#]*)", README):
        assert (ROOT / link).exists(), link


def test_the_second_command_is_what_ci_runs() -> None:
    blocks = re.findall(r"^```sh\n(.*?)\n```", section(README, "Two commands on a fresh machine"),
                        re.S | re.M)  # fmt: skip
    assert blocks[1] == TEST_COMMAND
    assert TEST_COMMAND in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[0].startswith("sudo apt-get update && ") and "python3 -m venv .venv" in blocks[0]


def test_the_tour_starts_in_the_virtual_environment_with_commands_debian_has() -> None:
    commands = tour_commands()
    assert commands[0] == ". .venv/bin/activate"
    for command in commands[1:]:
        # stock Debian has python3, not python; the rest is symbp itself
        assert command.split()[0] in ("symbp", "python3"), command


@pytest.mark.slow
def test_the_tour_runs_exactly_as_printed_in_a_new_shell(tmp_path: Path) -> None:
    """The tour in one new bash, from a copy of the clone whose .venv/bin/activate puts this
    environment's symbp and python3 first on the PATH (benchmarks/fresh_clone_tour.py does the
    real install)."""
    clone = tmp_path / "clone"
    clone.mkdir()
    shutil.copytree(ROOT / "examples", clone / "examples")
    bin_dir = clone / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python3").symlink_to(sys.executable)
    (bin_dir / "symbp").write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -m symbp "$@"\n', encoding="utf-8"
    )
    (bin_dir / "symbp").chmod(0o755)
    (bin_dir / "activate").write_text(
        f'export VIRTUAL_ENV="{clone / ".venv"}"\nexport PATH="{bin_dir}:$PATH"\n',
        encoding="utf-8",
    )
    lines = []
    for number, command in enumerate(tour_commands()):
        lines += [command, f'echo "@@ {number} $?" >&2']
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"  # a new shell: no symbp until activated
    env["PYTHONPATH"] = str(ROOT)  # this checkout's symbp, as the editable install would be
    result = subprocess.run(
        ["bash", "-c", "\n".join(lines)],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    statuses = dict(re.findall(r"^@@ (\d+) (\d+)$", result.stderr, re.M))
    commands = tour_commands()
    assert len(statuses) == len(commands), result.stderr[-3000:]
    for number, command in enumerate(commands):
        # 0, or 1 where the README says a number disagrees or a hand result is wrong
        assert statuses[str(number)] in ("0", "1"), (command, result.stderr[-3000:])
    assert "Traceback" not in result.stderr
    assert "command not found" not in result.stderr
    assert (clone / "handout.html").exists() and (clone / "handout.tex").exists()
    assert (clone / "week3" / "key.csv").exists() and (clone / "week3.xml").exists()
    assert "∂L/∂w1 = -0.0084214805" in result.stdout  # the derivation the tour shows
