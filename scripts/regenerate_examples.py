"""Regenerate examples/derivations/: every example spec's derivation of every weight.

    python scripts/regenerate_examples.py          # rewrite the files
    python scripts/regenerate_examples.py --check  # exit 1 if any file is out of date

Each file is exactly what `symbp derive --all --no-check --spec examples/NAME.toml` prints
(the torch check is left out so that the files do not depend on the torch build); a spec
with `steps` > 1 also gets its `symbp train` table.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

from symbp.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
OUTPUT = EXAMPLES / "derivations"


def _run(argv: list[str]) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = main(argv)
    if status != 0:
        raise SystemExit(f"symbp {' '.join(argv)} exited with {status}")
    return buffer.getvalue()


def generated() -> dict[Path, str]:
    """Every derivation file's path and the text it should hold."""
    files = {}
    for spec in sorted(EXAMPLES.glob("*.toml")):
        relative = spec.relative_to(ROOT).as_posix()
        text = _run(["derive", "--all", "--no-check", "--spec", relative])
        if "\nsteps = " in spec.read_text(encoding="utf-8"):
            text += "\n" + _run(["train", "--spec", relative])
        files[OUTPUT / f"{spec.stem}.txt"] = text
    return files


def main_script(argv: list[str]) -> int:
    check_only = "--check" in argv
    stale = []
    for path, text in generated().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(path.relative_to(ROOT).as_posix())
            if not check_only:
                path.parent.mkdir(exist_ok=True)
                path.write_text(text, encoding="utf-8")
    if check_only and stale:
        sys.stderr.write(
            "out of date (run python scripts/regenerate_examples.py): " + ", ".join(stale) + "\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    import os

    os.chdir(ROOT)  # spec paths in the outputs are relative to the repository
    raise SystemExit(main_script(sys.argv[1:]))
