"""Regenerate the example handouts of the default (MOOC 8.3) network: python examples/generate.py

Writes handout-en and handout-zh as .html, .tex and .md next to this script. With --check it
writes nothing and exits 1 if any file is missing or differs from what symbp produces now
(the test suite runs it that way).
"""

from __future__ import annotations

import sys
from pathlib import Path

from symbp.files import write_atomic
from symbp.render.handout import EXTENSIONS, build_handout, render_handout
from symbp.spec import default_spec

HERE = Path(__file__).resolve().parent
LANGUAGES = ("en", "zh")
SUFFIXES = (".html", ".tex", ".md")


def expected() -> dict[Path, str]:
    """Every example file and the text it should hold."""
    files: dict[Path, str] = {}
    for lang in LANGUAGES:
        document = build_handout(default_spec(), lang)
        for suffix in SUFFIXES:
            files[HERE / f"handout-{lang}{suffix}"] = render_handout(document, EXTENSIONS[suffix])
    return files


def main(argv: list[str]) -> int:
    files = expected()
    if "--check" in argv:
        stale = [
            path.name
            for path, text in files.items()
            if not path.exists() or path.read_text(encoding="utf-8") != text
        ]
        if stale:
            sys.stderr.write(f"out of date: {', '.join(stale)}; run python examples/generate.py\n")
            return 1
        return 0
    for path, text in files.items():
        write_atomic(path, text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
