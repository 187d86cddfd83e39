"""LaTeX's math printer: display trees and prose as the LaTeX source every rich format starts
from (MathML, Markdown, HTML and the diagrams print their math through it).

Prose is escaped character by character, so a title such as \\input{/etc/passwd} prints
literally; Greek letters and math signs in prose (δ, σ′, →) are set in math mode, which every
font has.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from symbp.content import expr as E
from symbp.content.blocks import Inline, Text
from symbp.core.operations import EXP, LATEX_COMMANDS, UPRIGHT_STEMS
from symbp.formats.printer import MathPrinter
from symbp.formats.text_math import as_prose

GREEK = {
    "α": r"\alpha",
    "β": r"\beta",
    "γ": r"\gamma",
    "δ": r"\delta",
    "ε": r"\varepsilon",
    "η": r"\eta",
    "θ": r"\theta",
    "κ": r"\kappa",
    "λ": r"\lambda",
    "μ": r"\mu",
    "σ": r"\sigma",
    "τ": r"\tau",
    "φ": r"\varphi",
    "ω": r"\omega",
    "π": r"\pi",
    "Σ": r"\Sigma",
    "Δ": r"\Delta",
    "∂": r"\partial",
}
#: characters of prose that are set in math mode (fonts, CJK ones included, may lack them)
_PROSE_MATH = {
    **GREEK,
    "′": "'",
    "→": r"\to",
    "←": r"\leftarrow",
    "≤": r"\le",
    "≥": r"\ge",
    "×": r"\times",
    "·": r"\cdot",
    "−": "-",
    "½": r"\tfrac{1}{2}",
    "²": "^{2}",
    "≈": r"\approx",
    "√": r"\surd",
    "⊙": r"\odot",
    "∑": r"\sum",
    "ᵀ": r"^{\mathsf{T}}",
    "⁽": "^{(",
    "⁾": ")}",
    "₁": "_{1}",
    "₂": "_{2}",
    # a convolution's tensor form: X ⋆ δ, δ ∗ rot180(W), rotated by 180°
    "⋆": r"\star",
    "∗": r"\ast",
    "°": r"^{\circ}",
}
_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
    # without T1 fonts, < > | would print as other glyphs
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    # every engine has the ellipsis as a command: an English text stays pdflatex's
    "…": r"\ldots{}",
}
RELATIONS = {
    "=": "=",
    "←": r"\leftarrow",
    "≈": r"\approx",
    "≤": r"\le",
    "≥": r"\ge",
    ">": ">",
    "<": "<",
    "→": r"\to",
    ",": ",",
}
_FUNCTIONS = {**LATEX_COMMANDS, "f": "f"}
#: names that are signs rather than letters: the vector of ones
#: bases written with an accent: an optimizer's bias-corrected moments and decayed values
_SIGNS = {
    "𝟏": r"\mathbf{1}",
    "m̂": r"\hat{m}",
    "v̂": r"\hat{v}",
    "g̃": r"\tilde{g}",
    "p̃": r"\tilde{p}",
    # \overline, not amsmath's accent \bar: {\bar{g}^{(1)}}^{2} is a double superscript
    "ḡ": r"\overline{g}",
    "η̃": r"\tilde{\eta}",
    # a change: Δp = −η·∂L/∂p, ΔL (one name, set as the sign Δ before the letter)
    "Δp": r"\Delta p",
    "ΔL": r"\Delta L",
}


# -- math -----------------------------------------------------------------------------------------


class LatexPrinter(MathPrinter):
    """Display trees as LaTeX (amsmath); `small_partials` sets Leibniz symbols in text style
    (\\tfrac), for dense rows of them; `slashed_partials` sets them on the line (∂L/∂w), for
    table cells, whose rows are a line of text apart: a stacked ∂L/∂w there touches the rows
    above and below it."""

    def __init__(self, small_partials: bool = False, slashed_partials: bool = False) -> None:
        self.small_partials = small_partials
        self.slashed_partials = slashed_partials

    def name(self, item: E.Name) -> str:
        stem, prime = (item.base[:-1], "'") if item.base.endswith("′") else (item.base, "")
        base = GREEK.get(stem, _SIGNS.get(stem, stem))
        if stem in UPRIGHT_STEMS:
            base = r"\operatorname{" + stem + "}"
        elif len(stem) > 1 and stem not in GREEK and stem not in _SIGNS:
            base = r"\mathit{" + stem.replace("_", r"\_") + "}"
        text = base + prime
        if item.sup is not None:
            text += "^{" + item.sup + "}"
        if item.sub is not None:
            sub = item.sub if isinstance(item.sub, str) else self.name(item.sub)
            text += "_{" + sub + "}"
        return text

    def number(self, item: E.Num) -> str:
        if "e" in item.text:
            mantissa, exponent = item.text.split("e")
            if mantissa in ("1", "-1"):  # 10⁻⁸, not 1 × 10⁻⁸
                return rf"{mantissa[:-1]}10^{{{int(exponent)}}}"
            return rf"{mantissa} \times 10^{{{int(exponent)}}}"
        return item.text

    def group(self, text: str) -> str:
        return rf"\left({text}\right)"

    def partial(self, item: E.Partial) -> str:
        if self.slashed_partials:
            return rf"\partial {self.name(item.of)}/\partial {self.name(item.wrt)}"
        if self.small_partials:
            return rf"\tfrac{{\partial {self.name(item.of)}}}{{\partial {self.name(item.wrt)}}}"
        return rf"\frac{{\partial {self.name(item.of)}}}{{\partial {self.name(item.wrt)}}}"

    def fraction(self, item: E.Frac) -> str:
        return rf"\frac{{{self.math(item.num)}}}{{{self.math(item.den)}}}"

    def bracket_base(self, node: E.Node) -> bool:
        # 1.2 \times 10^{-7} squared needs brackets too
        return E.bracket_base(node) or (isinstance(node, E.Num) and "e" in node.text)

    def power(self, base: str, item: E.Pow) -> str:
        if isinstance(item.base, E.Sym) and item.base.name.sup is not None:
            # h^{(1)}_{1} squared: braces, a double superscript otherwise; an accent under
            # amsmath (g̃ of Adam with weight decay) needs brackets: it escapes the braces
            accent = item.base.name.base in _SIGNS
            base = self.group(base) if accent else "{" + base + "}"
        return f"{base}^{{{self.math(item.exp)}}}"

    def call(self, item: E.Call) -> str:
        args = ", ".join(self.math(arg) for arg in item.args)
        prime = "'" if item.prime else ""
        if item.function == EXP.name and not item.prime:
            return f"e^{{{args}}}"
        if item.function == "sqrt" and not item.prime:
            return rf"\sqrt{{{args}}}"
        if item.function in _FUNCTIONS:
            return rf"{_FUNCTIONS[item.function]}{prime}\left({args}\right)"
        label = item.function.replace("_", r"\_")
        index = f"_{{{item.index}}}" if item.index is not None else ""
        return rf"\operatorname{{{label}}}{prime}{index}\left({args}\right)"

    def indicator(self, item: E.Indicator) -> str:
        relation = RELATIONS.get(item.relation, item.relation)
        return (
            rf"\mathbf{{1}}\left[{self.math(item.left)} {relation} {self.math(item.right)}\right]"
        )

    def sum(self, item: E.Sum) -> str:
        return rf"\sum_{{{item.index}}} {self.math(item.body)}"

    def matrix(self, item: E.Matrix) -> str:
        rows = r" \\ ".join(" & ".join(self.math(entry) for entry in row) for row in item.rows)
        return rf"\begin{{bmatrix}} {rows} \end{{bmatrix}}"

    def transpose(self, base: str) -> str:
        if base.startswith(r"\begin{"):
            # a matrix written out, in braces: latex2mathml would take its closing bracket
            # alone for the base (the whole matrix then set small, as the superscript)
            base = "{" + base + "}"
        return base + r"^{\mathsf{T}}"

    def hadamard_sign(self) -> str:
        return r" \odot "

    def gradient(self, item: E.Grad) -> str:
        return rf"\nabla_{{{self.name(item.wrt)}}} {self.name(item.of)}"

    list_separator = r",\ "  # x_1 = 0.5,\ x_2 = 0.3

    def relation(self, relation: str) -> str:
        return RELATIONS.get(relation, relation)

    def separator(self, left: E.Node, right: E.Node, left_bracketed: bool) -> str:
        if E.numeric(right):
            return r" \times "  # 0.5 \times 0.3, x_1 \times 0.5: digits never run together
        if isinstance(right, E.Indicator):
            return r" \cdot "  # 0.9 \cdot 1[z > 0]: a bold 1 set beside 0.9 reads as 0.91
        if E.numeric(left) and not left_bracketed:
            return " "  # a leading coefficient: 2(o - y), \frac{1}{2}(o - y)^2
        if left_bracketed or isinstance(left, E.Partial | E.Frac | E.Sum):
            return r" \cdot "
        if isinstance(right, E.Partial | E.Frac | E.Sum):
            return r" \cdot "
        return " "


PRINTER = LatexPrinter()
#: for "dense" rows: Leibniz symbols in text style, half as tall
DENSE_PRINTER = LatexPrinter(small_partials=True)
#: for table cells: Leibniz symbols slashed, one line tall
TABLE_PRINTER = LatexPrinter(slashed_partials=True)


#: module-level spellings for the other formats (MathML, Markdown, HTML, diagrams)
name = PRINTER.name
math = PRINTER.math
chain = PRINTER.chain
inline_math = PRINTER.inline
table_math = TABLE_PRINTER.inline


# -- prose -----------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Prose as LaTeX source that typesets exactly these characters: a command-line option
    (--spec) in typewriter type, and no run of hyphens turned into a dash."""
    pieces: list[str] = []
    start = 0
    for option in _OPTION.finditer(text):
        pieces.append(_escape_chars(text[start : option.start()]))
        pieces.append(r"\texttt{" + _escape_chars(option.group()) + "}")
        start = option.end()
    pieces.append(_escape_chars(text[start:]))
    return "".join(pieces)


#: a command-line option as prose mentions it: --spec, --no-check
_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _greek(char: str) -> bool:
    return "\u0370" <= char <= "\u03ff" or "\u1f00" <= char <= "\u1fff"


def _escape_chars(text: str) -> str:
    pieces: list[str] = []
    for index, char in enumerate(text):
        # a letter of a Greek word (a name: Σωκράτης) is text; a lone δ or σ′ is a symbol
        word = _greek(char) and any(
            _greek(near) for near in text[max(index - 1, 0) : index] + text[index + 1 : index + 2]
        )
        if char in _PROSE_MATH and not word:
            pieces.append(rf"\({_PROSE_MATH[char]}\)")
        elif char == "-" and text[index + 1 : index + 2] == "-":
            pieces.append("-{}")  # -- and --- would print as dashes
        else:
            pieces.append(_ESCAPES.get(char, char))
    return "".join(pieces)


def inline(parts: Iterable[Inline], *, cell: bool = False) -> str:
    """Prose with inline math; a table's `cell` has its Leibniz symbols slashed."""
    parts = as_prose(parts)
    spell = table_math if cell else inline_math
    return "".join(
        escape(part.text) if isinstance(part, Text) else rf"\({spell(part.expr)}\)"
        for part in parts
    )


def tag_latex(parts: Iterable[Inline]) -> str:
    """A row's tag inside math: prose in \\text{}, math as it is."""
    parts = as_prose(parts)
    return "".join(
        _text_in_math(part.text) if isinstance(part, Text) else inline_math(part.expr)
        for part in parts
    )


#: a symbol the prose escape sets in inline math: \(\to\)
_INLINE_SYMBOL = re.compile(r"\\\((.*?)\\\)")


def _text_in_math(text: str) -> str:
    """Prose inside math: \\text{} runs, and a symbol of the prose (→, δ) as math between them
    rather than \\(…\\) inside \\text{}, which a MathML converter would print literally."""
    escaped = _INLINE_SYMBOL.sub(lambda match: "}" + match.group(1) + r"\text{", escape(text))
    return (r"\text{" + escaped + "}").replace(r"\text{}", "")
