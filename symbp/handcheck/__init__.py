"""Checking a student's hand calculation: judged at its own precision, the error located, the
mistake named. Modules left to right: hand_input (reading and normalising what students type),
floats (bounded float64 evaluation), formula (the safe parser), quantities (names and
dependencies), formula_check (a formula against the true one), mistakes (the catalogue and its
variants), judge (the report)."""

from __future__ import annotations

from .hand_input import HandCalculation, parse_plain, read_hand_file
from .judge import HandReport, Verdict, check_hand, check_hand_file

__all__ = [
    "HandCalculation",
    "HandReport",
    "Verdict",
    "check_hand",
    "check_hand_file",
    "parse_plain",
    "read_hand_file",
]
