"""check-hand reports in Markdown and HTML, through the same document renderers as handouts."""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "symbp", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_course_numbers_report(fmt: str) -> None:
    result = run("check-hand", "examples/hand_mooc_8_3.txt", "--format", fmt)
    assert result.returncode == 1  # something is wrong: the course's w1 and w3
    assert "gradients are added instead of δ·w" in result.stdout
    assert "0.0084214805" in result.stdout


def test_html_report_escapes_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "<b>x.txt"
    path.write_text("dL/dw1 = 0.01\n", encoding="utf-8")
    result = run("check-hand", str(path), "--format", "html")
    assert result.returncode == 1
    assert "<b>x" not in result.stdout
    assert "&lt;b&gt;x" in result.stdout

    class Strict(HTMLParser):
        tags: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            self.tags.append(tag)

    parser = Strict()
    parser.feed(result.stdout)
    assert "script" not in parser.tags and "table" in parser.tags
