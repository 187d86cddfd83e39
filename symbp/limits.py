"""The bounds of every formula symbp reads from a person: a student's hand calculation and a
teacher's circuit expression are read by bounded parsers that share these limits, so that no
text within them can take long or grow large."""

from __future__ import annotations

MAX_FORMULA_CHARS = 500
MAX_TOKENS = 200
MAX_DEPTH = 30
MAX_NUMBER_CHARS = 30
MAX_EXPONENT = 10
#: the exponent of powers of powers ((x^10)^10 is x^100: refused)
MAX_DEGREE = MAX_EXPONENT
MAX_RESULT_DIGITS = 400
#: a written number's exponent: 1e30 at most (the value must stay below 1e15 anyway)
MAX_NUMBER_EXPONENT = 30
