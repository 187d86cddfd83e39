"""How wide a formula is when typeset, in em: the model line breaking and table splitting use.

Every rich format sets its mathematics in Computer Modern / Latin Modern: pdflatex and xelatex
use CM math, and the HTML handouts ask Chromium for Latin Modern Math (installed with TeX). So
one model serves LaTeX, MathML and Markdown. The glyph widths are the fonts' own (cmmi10,
cmr10, in em); spacing is TeX's (a binary operator gets 4/18 em a side, a relation 5/18 em).
tests/test_layout.py measures the model against pdflatex's own boxes, over formulas of every
kind, and requires it never to fall short by more than a few percent.
"""

from __future__ import annotations

from symbp.content import expr as E
from symbp.core.operations import EXP, LOG, SIGMOID, TANH, UPRIGHT_STEMS
from symbp.formats.latex_math import PRINTER

#: a script's width relative to the same glyphs at its base size (8 pt on 11 pt: the 8 pt design
#: is relatively wider than 8/11), and a script-of-script's relative to a script (6 pt on 8 pt)
SCRIPT = 0.78
SCRIPT_SCRIPT = 0.86
#: spacing around a binary operator and a relation, and a thin space
BINARY_SPACE = 2 * 4 / 18
RELATION_SPACE = 2 * 5 / 18
THIN = 3 / 18
#: a fraction's null delimiters, both sides together
FRACTION_PAD = 0.22
#: one side of \left( \right) with the thin space TeX puts between it and its neighbour: around
#: normal material, around a fraction or a script with scripts, around a display sum
PAREN, TALL_PAREN, HUGE_PAREN = 0.389 + THIN, 0.6 + THIN, 0.8 + THIN
#: the width of \quad
QUAD = 1.0

# cmmi10 (math italic) advance widths plus italic corrections, in em
_ITALIC = {
    "a": 0.529, "b": 0.429, "c": 0.433, "d": 0.52, "e": 0.466, "f": 0.55, "g": 0.477,
    "h": 0.576, "i": 0.345, "j": 0.45, "k": 0.521, "l": 0.298, "m": 0.878, "n": 0.6,
    "o": 0.485, "p": 0.503, "q": 0.446, "r": 0.451, "s": 0.469, "t": 0.361, "u": 0.572,
    "v": 0.485, "w": 0.716, "x": 0.572, "y": 0.49, "z": 0.465,
    "A": 0.75, "B": 0.759, "C": 0.769, "D": 0.828, "E": 0.738, "F": 0.745, "K": 0.849,
    "L": 0.681, "M": 0.97, "N": 0.885, "P": 0.75, "W": 1.05, "X": 0.828, "Y": 0.76,
    "α": 0.64, "β": 0.566, "γ": 0.518, "δ": 0.444, "ε": 0.466, "η": 0.497, "θ": 0.469, "κ": 0.55,
    "λ": 0.583, "μ": 0.603, "σ": 0.571, "τ": 0.437, "φ": 0.654, "ω": 0.622,
    "Σ": 0.722, "Δ": 0.833, "∂": 0.566,
}  # fmt: skip
# cmr10 (upright: digits, operator names, \text) advance widths, in em
_ROMAN = {
    "0": 0.5, "1": 0.5, "2": 0.5, "3": 0.5, "4": 0.5, "5": 0.5, "6": 0.5, "7": 0.5, "8": 0.5,
    "9": 0.5, ".": 0.278, ",": 0.278, ":": 0.278, ";": 0.278, "(": 0.389, ")": 0.389,
    "[": 0.278, "]": 0.278, " ": 0.333, "-": 0.333, "'": 0.278, "′": 0.3,
    "a": 0.5, "b": 0.556, "c": 0.444, "d": 0.556, "e": 0.444, "f": 0.306, "g": 0.5,
    "h": 0.556, "i": 0.278, "j": 0.306, "k": 0.528, "l": 0.278, "m": 0.833, "n": 0.556,
    "o": 0.5, "p": 0.556, "q": 0.528, "r": 0.392, "s": 0.394, "t": 0.389, "u": 0.556,
    "v": 0.528, "w": 0.722, "x": 0.528, "y": 0.528, "z": 0.444,
    "→": 1.0, "←": 1.0, "=": 0.778, "+": 0.778, "−": 0.778, "×": 0.778, "·": 0.278,
    "δ": 0.444, "σ": 0.571, "η": 0.497, "∂": 0.566, "Σ": 0.722,
}  # fmt: skip
_DEFAULT_ITALIC = 0.6
_DEFAULT_ROMAN = 0.6  # a capital or a sign not in the table: on the wide side
_WIDE = 1.0  # a CJK character, or any other full-width one


def _char(char: str, table: dict[str, float], default: float) -> float:
    if char in table:
        return table[char]
    if ord(char) >= 0x2E80:  # CJK and full-width forms
        return _WIDE
    if char.isupper():
        return 0.75
    return default


def roman(text: str) -> float:
    """Upright text (digits, \\text{…}, operator names): the sum of its glyphs."""
    return sum(_char(c, _ROMAN, _DEFAULT_ROMAN) for c in text)


def italic(text: str) -> float:
    """Math italic letters (a name's base)."""
    return sum(_char(c, _ITALIC, _DEFAULT_ITALIC) for c in text)


def name(item: E.Name, scale: float = 1.0) -> float:
    stem = item.base.rstrip("′")
    primes = len(item.base) - len(stem)
    if len(stem) > 1 and stem not in UPRIGHT_STEMS:
        base = italic(stem)  # \mathit{word}
    elif len(stem) > 1:
        base = roman(stem)  # \operatorname{tanh}
    else:
        base = italic(stem)
    width = (base + 0.3 * primes) * scale
    scripts = 0.0
    if item.sup is not None:
        scripts = roman(item.sup) * scale * _smaller(scale)
    if item.sub is not None:
        sub_scale = scale * _smaller(scale)
        sub = (
            _digits_or_italic(item.sub) * sub_scale
            if isinstance(item.sub, str)
            else name(item.sub, sub_scale)
        )
        scripts = max(scripts, sub)
    return width + scripts + 0.05 * scale  # \scriptspace


def _digits_or_italic(text: str) -> float:
    return sum(
        _char(c, _ROMAN, _DEFAULT_ROMAN) if not c.isalpha() else _char(c, _ITALIC, 0.55)
        for c in text
    )


def _smaller(scale: float) -> float:
    """How much smaller a script is than the material it is attached to."""
    return SCRIPT if scale >= 0.9 else SCRIPT_SCRIPT if scale >= 0.72 else 1.0


def number(item: E.Num, scale: float = 1.0) -> float:
    text = item.text
    if "e" in text:  # 1.234 \times 10^{-7}
        mantissa, exponent = text.split("e")
        exponent_text = str(int(exponent))
        return (
            number(E.Num(0.0, mantissa), scale)
            + (0.778 + BINARY_SPACE + 1.0) * scale
            + number(E.Num(0.0, exponent_text), scale * _smaller(scale))
        )
    width = roman(text.replace("-", ""))
    if text.startswith("-"):
        width += 0.778  # a minus sign
    return width * scale


class Metrics:
    """Widths of display trees as LaTeX sets them; `display` is display style (align*).
    `small_partials`: Leibniz symbols are set in text style (\\tfrac) even in displays;
    `slashed_partials`: on the line, ∂L/∂w (table cells)."""

    def __init__(self, small_partials: bool = False, slashed_partials: bool = False) -> None:
        self.small_partials = small_partials
        self.slashed_partials = slashed_partials

    def width(self, node: E.Node, scale: float = 1.0, display: bool = True) -> float:
        if isinstance(node, E.Sym):
            return name(node.name, scale)
        if isinstance(node, E.Num):
            return number(node, scale)
        if isinstance(node, E.Partial) and self.slashed_partials:
            return (2 * 0.566 + SLASH) * scale + name(node.of, scale) + name(node.wrt, scale)
        if isinstance(node, E.Partial):
            full = display and not self.small_partials
            inner = scale if full else scale * _smaller(scale)
            top = (0.566 * inner) + name(node.of, inner)
            bottom = (0.566 * inner) + name(node.wrt, inner)
            return max(top, bottom) + FRACTION_PAD * scale
        if isinstance(node, E.Frac):
            inner = scale if display else scale * _smaller(scale)
            top = self.width(node.num, inner, False)
            bottom = self.width(node.den, inner, False)
            return max(top, bottom) + FRACTION_PAD * scale
        if isinstance(node, E.Add):
            return self._sum(node, scale, display)
        if isinstance(node, E.Neg):
            inner = self.width(node.arg, scale, display)
            if E.bracket_negated(node.arg):
                inner += self.brackets(node.arg, scale)
            return 0.778 * scale + inner
        if isinstance(node, E.Mul):
            return self._product(node, scale, display)
        if isinstance(node, E.Pow):
            base = self.width(node.base, scale, display)
            if self.bracket_base(node.base):
                base += self.brackets(node.base, scale)
            return base + self.width(node.exp, scale * _smaller(scale), False) + 0.05 * scale
        if isinstance(node, E.Call):
            return self._call(node, scale, display)
        if isinstance(node, E.Indicator):
            inner = self.width(node.left, scale, display) + self.width(node.right, scale, display)
            brackets = 2 * (0.278 + THIN) + (0.4 if _deep_scripts(node.left) else 0.0)
            return (0.575 + brackets + 0.778 + RELATION_SPACE) * scale + inner
        if isinstance(node, E.Sum):
            operator = 1.444 if display else 1.056
            return (operator + THIN) * scale + self.width(node.body, scale, display)
        return self._matrix_parts(node, scale, display)

    def _matrix_parts(self, node: E.Node, scale: float, display: bool) -> float:
        """Matrices, transposes, ∇ and ⊙ of the matrix form (bmatrix: 0.5 em of \\arraycolsep
        a side of every column, a bracket of about 0.4 em on either side)."""
        if isinstance(node, E.Matrix):
            columns = len(node.rows[0]) if node.rows else 0
            widest = [
                max(self.width(row[c], scale, False) for row in node.rows) for c in range(columns)
            ]
            return sum(widest) + (columns * 1.0 + 0.8) * scale
        if isinstance(node, E.Transpose):
            inner = self.width(node.arg, scale, display)
            if not isinstance(node.arg, E.Sym | E.Matrix):
                inner += self.brackets(node.arg, scale)
            return inner + 0.6 * scale * _smaller(scale)
        if isinstance(node, E.Grad):
            return (
                (0.833 + 0.05) * scale
                + name(node.wrt, scale * _smaller(scale))
                + name(node.of, scale)
            )
        if isinstance(node, E.Hadamard):
            operator = (0.778 + BINARY_SPACE) * scale
            return sum(self.width(f, scale, display) for f in node.factors) + operator * (
                len(node.factors) - 1
            )
        raise TypeError(f"cannot measure {node!r}")

    def bracket_base(self, node: E.Node) -> bool:
        return E.bracket_base(node) or (isinstance(node, E.Num) and "e" in node.text)

    def brackets(self, node: E.Node, scale: float = 1.0) -> float:
        """\\left( \\right) around a node: wider around tall material."""
        return 2 * self.paren(node) * scale

    def paren(self, node: E.Node) -> float:
        if _has(node, (E.Sum,)):
            return HUGE_PAREN
        if _has(node, (E.Frac, E.Partial)) or _deep_scripts(node):
            return TALL_PAREN
        return PAREN

    def _sum(self, node: E.Add, scale: float, display: bool) -> float:
        width = 0.0
        for position, term in enumerate(node.terms):
            first = position == 0
            if isinstance(term, E.Neg):
                inner = self.width(term.arg, scale, display)
                if E.bracket_negated(term.arg):
                    inner += self.brackets(term.arg, scale)
                width += inner + (0.778 if first else 0.778 + BINARY_SPACE) * scale
                continue
            shown = self.width(term, scale, display)
            if E.bracket_term(term, first):
                shown += self.brackets(term, scale)
            width += shown + (0.0 if first else (0.778 + BINARY_SPACE) * scale)
        return width

    def _product(self, node: E.Mul, scale: float, display: bool) -> float:
        width = 0.0
        previous: E.Node | None = None
        previous_bracketed = False
        for factor in E.factors(node):
            bracketed = PRINTER.bracket_factor(factor)
            width += self.width(factor, scale, display)
            if bracketed:
                width += self.brackets(factor, scale)
            if previous is not None:
                width += separator(PRINTER.separator(previous, factor, previous_bracketed)) * scale
            previous, previous_bracketed = factor, bracketed
        return width

    def _call(self, node: E.Call, scale: float, display: bool) -> float:
        if node.function == EXP.name:
            return 0.466 * scale + self._args(node, scale * _smaller(scale), False)
        if node.function == "sqrt":
            return 0.9 * scale + self._args(node, scale, display)
        words = {
            SIGMOID.call_name: 0.571,
            "f": 0.55,
            TANH.name: roman(TANH.name) + THIN,
            LOG.name: 1.22 + THIN,
        }
        head = words.get(node.function)
        if head is None:
            head = roman(node.function.replace("_", " ")) + THIN
            if node.index is not None:
                head += roman(str(node.index)) * _smaller(scale)
        inner = self._args(node, scale, display)
        return head * scale + inner + 2 * max(self.paren(a) for a in node.args) * scale

    def _args(self, node: E.Call, scale: float, display: bool) -> float:
        commas = (len(node.args) - 1) * (0.278 + 0.333) * scale  # ",\ "
        return sum(self.width(arg, scale, display) for arg in node.args) + commas


def separator(text: str) -> float:
    """The width of a product's separator as LaTeX prints it."""
    stripped = text.strip()
    if stripped == r"\times":
        return 0.778 + BINARY_SPACE
    if stripped == r"\cdot":
        return 0.278 + BINARY_SPACE
    return 0.0  # juxtaposition


def _has(node: E.Node, kind: tuple[type, ...]) -> bool:
    if isinstance(node, kind):
        return True
    if isinstance(node, E.Add):
        return any(_has(t, kind) for t in node.terms)
    if isinstance(node, E.Mul):
        return any(_has(f, kind) for f in node.factors)
    if isinstance(node, E.Neg):
        return _has(node.arg, kind)
    if isinstance(node, E.Pow):
        return _has(node.base, kind)
    if isinstance(node, E.Call):
        return node.function != EXP.name and any(_has(a, kind) for a in node.args)
    return False


def _deep_scripts(node: E.Node) -> bool:
    """A name whose subscript has scripts of its own (z_{h^{(1)}_{1}}): \\left( grows for it."""
    if isinstance(node, E.Sym):
        sub = node.name.sub
        return isinstance(sub, E.Name) and sub.sup is not None
    if isinstance(node, E.Add):
        return any(_deep_scripts(t) for t in node.terms)
    if isinstance(node, E.Mul):
        return any(_deep_scripts(f) for f in node.factors)
    if isinstance(node, E.Neg | E.Pow):
        return _deep_scripts(node.arg if isinstance(node, E.Neg) else node.base)
    if isinstance(node, E.Call):
        return any(_deep_scripts(a) for a in node.args)
    return False


METRICS = Metrics()
#: for the dense printer's rows (Leibniz symbols in text style)
DENSE_METRICS = Metrics(small_partials=True)
#: for table cells (Leibniz symbols slashed)
TABLE_METRICS = Metrics(slashed_partials=True)
#: the solidus of ∂L/∂w (cmr's /)
SLASH = 0.5


def relation(text: str) -> float:
    """A relation with its spaces: =, \\leftarrow, \\approx."""
    return (1.0 if text in ("←", "→") else 0.778) + RELATION_SPACE


def prose(text: str) -> float:
    """Prose set in \\text{…} or a table cell: upright, CJK at full width."""
    return roman(text)
