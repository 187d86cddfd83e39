"""The self-check page's activation functions, printed as JavaScript from the operation table.

Each elementwise activation's entry (symbp.core.functions) gives f written in primitives (exp, log,
tanh, erf, max, abs, if-then-else); sympy's JavaScript printer turns it into one function the
page calls with the formula tree's arguments [z, parameter]. Nothing here is written per
activation, so the page cannot lag behind the table; tests/test_operations.py runs the printed
functions in node and compares them with each entry's float64 evaluation.

JavaScript has no erf: ERF_JS is Abramowitz & Stegun's series 7.1.6 (all terms positive, so no
cancellation) for |x| < 1 and the continued fraction 7.1.14 for erfc beyond, both to float64
precision (tested against Python's math.erf and math.erfc).
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.jscode import JavascriptCodePrinter

from symbp.core.functions import ALL_ENTRIES, Activation

#: the name each printed function is given in the page's FUNCTIONS table is the entry's name
ERF_JS = """\
  function erfcTail(t) {  // erfc(t) for t >= 1: A&S 7.1.14's continued fraction, from its tail
    let fraction = t;
    for (let n = 200; n >= 1; n--) fraction = t + (n / 2) / fraction;
    return Math.exp(-t * t) / Math.sqrt(Math.PI) / fraction;
  }
  function erfSeries(t) {  // erf(t) for |t| < 1: A&S 7.1.6, every term positive
    let term = t, total = t;
    for (let n = 1; n < 200 && Math.abs(term) > Math.abs(total) * 1e-17; n++) {
      term *= (2 * t * t) / (2 * n + 1);
      total += term;
    }
    return (2 / Math.sqrt(Math.PI)) * Math.exp(-t * t) * total;
  }
  function erf(x) {
    if (Number.isNaN(x)) return NaN;
    const t = Math.abs(x);
    return t < 1 ? erfSeries(x) : Math.sign(x) * (1 - erfcTail(t));
  }
  function erfc(x) {  // 1 − erf(x) without cancellation where it is small
    if (Number.isNaN(x)) return NaN;
    if (x >= 1) return erfcTail(x);
    return x > -1 ? 1 - erfSeries(x) : 2 - erfcTail(-x);
  }
"""

_Z = sp.Symbol("z", real=True)
_PARAMETER = sp.Symbol("p", real=True)


class _Printer(JavascriptCodePrinter):
    """sympy's JavaScript printer, with erf (defined by ERF_JS), log1p and expm1 known."""

    def __init__(self) -> None:
        known = {"erf": "erf", "erfc": "erfc", "log1p": "Math.log1p", "expm1": "Math.expm1"}
        super().__init__({"user_functions": known})

    def _print_Float(self, expr: sp.Float) -> str:  # noqa: N802 - sympy's naming
        return repr(float(expr))  # every bit of the table's constant, not 15 digits


def activation_function(entry: Activation) -> str:
    """One entry of the page's FUNCTIONS table: `name: (a) => …` with a = [z, parameter]."""
    assert entry.primitive is not None
    body = _Printer().doprint(entry.primitive(_Z, _PARAMETER))
    body = " ".join(line.strip() for line in body.splitlines())
    return f"    {entry.key}: (a) => {{ const z = a[0], p = a[1]; return {body}; }},"


def activation_functions() -> str:
    """The printed functions of every elementwise activation with a float form, table order."""
    return "\n".join(
        activation_function(entry)
        for entry in ALL_ENTRIES
        if entry.elementwise and entry.primitive is not None
    )
