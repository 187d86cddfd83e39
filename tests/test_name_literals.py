"""benchmarks/name_literals.py: every operation, loss and optimizer is named as a string in at
most three package files (the operation table's two halves and its display half at most)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from symbp.core import operations


def test_every_name_is_written_in_at_most_three_files() -> None:
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "name_literals.py"
    done = subprocess.run(
        [sys.executable, str(script), "--max", "3"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout
    rows = [line.split() for line in done.stdout.splitlines()[:-1]]
    names = {row[1] for row in rows}
    assert set(operations.ACTIVATION_NAMES) <= names
    assert set(operations.LOSS_NAMES) | set(operations.OPTIMIZER_NAMES) <= names
    assert all(1 <= int(row[2]) <= 3 for row in rows), done.stdout
