"""A small, fast sample of the attack round (tests/attack.py; the whole round is
benchmarks/attack_round.py): every category, no traceback, hang or injection."""

from __future__ import annotations

import pytest

from . import attack
from .conftest import require_module


def _clean(counts: attack.Counts) -> None:
    assert counts.runs > 0
    assert not counts.problems, "\n".join(counts.problems[:20])


def test_api_calls_with_wrong_arguments_fail_at_the_boundary() -> None:
    _clean(attack.attack_api([None, 123, "float16", [], {}, float("nan"), b"x"]))


def test_outputs_to_devices_fifos_folders_and_long_names() -> None:
    _clean(attack.attack_outputs(quick=True))
    assert __import__("pathlib").Path("/dev/null").is_char_device()


def test_tampered_exercise_folders_are_refused_with_one_line() -> None:
    _clean(attack.attack_exercise_folders())


def test_hand_files_and_class_files() -> None:
    _clean(attack.attack_hand_files(30, seed=1))
    _clean(attack.attack_class_files(8, seed=1))


@pytest.mark.slow
def test_generated_specs_through_every_command() -> None:
    require_module("torch")
    _clean(attack.attack_specs(6, seed=2))
