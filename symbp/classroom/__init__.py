"""Homework for a class: a variant of one network per student, and the class's answers graded.

Modules left to right: csvfiles (rosters and submissions, read bounded, errors naming row and
column), variants (drawing each student's numbers and rejecting poor exercises), asked (which
quantities are blanks), folder (the exercise directory: manifest, key.csv, atomic replacement),
grading (every submission judged by the hand-check judge, one judge per architecture, and the
class summary), selfcheck (what an offline self-check page embeds: true values, local formulas
and the catalogue's values for one variant).
"""

from __future__ import annotations
