"""LaTeX (amsmath): the math printer every rich format starts from, and LaTeX documents.

English documents compile with pdflatex, Chinese ones with xelatex (ctexart). Prose is escaped
character by character, so a title such as \\input{/etc/passwd} prints literally; Greek letters
and math signs in prose (δ, σ′, →) are set in math mode, which every font has.
"""

from __future__ import annotations

from collections.abc import Iterable

from symbp.content import expr as E
from symbp.content.blocks import (
    Block,
    Diagram,
    Document,
    Equations,
    Heading,
    Inline,
    Items,
    Paragraph,
    Row,
    Table,
    Text,
)

GREEK = {
    "α": r"\alpha",
    "β": r"\beta",
    "γ": r"\gamma",
    "δ": r"\delta",
    "ε": r"\varepsilon",
    "η": r"\eta",
    "θ": r"\theta",
    "λ": r"\lambda",
    "μ": r"\mu",
    "σ": r"\sigma",
    "τ": r"\tau",
    "φ": r"\varphi",
    "ω": r"\omega",
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
    "⊙": r"\odot",
    "∑": r"\sum",
    "ᵀ": r"^{\mathsf{T}}",
    "⁽": "^{(",
    "⁾": ")}",
    "₁": "_{1}",
    "₂": "_{2}",
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
_FUNCTIONS = {"sigma": r"\sigma", "tanh": r"\tanh", "log": r"\log", "max": r"\max"}


# -- math -----------------------------------------------------------------------------------------


def name(item: E.Name) -> str:
    stem, prime = (item.base[:-1], "'") if item.base.endswith("′") else (item.base, "")
    base = GREEK.get(stem, stem)
    if stem == "tanh" or stem == "relu" or stem == "identity":
        base = r"\operatorname{" + stem + "}"
    elif len(stem) > 1 and stem not in GREEK:
        base = r"\mathit{" + stem.replace("_", r"\_") + "}"
    base += prime
    text = base
    if item.sup is not None:
        text += "^{" + item.sup + "}"
    if item.sub is not None:
        sub = item.sub if isinstance(item.sub, str) else name(item.sub)
        text += "_{" + sub + "}"
    return text


def number(item: E.Num) -> str:
    if "e" in item.text:
        mantissa, exponent = item.text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return item.text


def _group(text: str) -> str:
    return rf"\left({text}\right)"


def _is_number(node: E.Node) -> bool:
    """Numbers only, no names: a product of such factors is written with ×."""
    if isinstance(node, E.Num):
        return True
    if isinstance(node, E.Neg):
        return _is_number(node.arg)
    if isinstance(node, E.Add | E.Mul):
        return all(_is_number(t) for t in (node.terms if isinstance(node, E.Add) else node.factors))
    if isinstance(node, E.Frac):
        return _is_number(node.num) and _is_number(node.den)
    if isinstance(node, E.Pow):
        return _is_number(node.base) and _is_number(node.exp)
    if isinstance(node, E.Indicator):
        return _is_number(node.left) and _is_number(node.right)
    return False


def _separator(left: E.Node, right: E.Node, left_bracketed: bool) -> str:
    if _is_number(right):
        return r" \times "  # 0.5 \times 0.3, x_1 \times 0.5: digits never run together
    if _is_number(left) and not left_bracketed:
        return " "  # a leading coefficient: 2(o - y), \frac{1}{2}(o - y)^2
    if left_bracketed or isinstance(left, E.Partial | E.Frac | E.Sum):
        return r" \cdot "
    if isinstance(right, E.Partial | E.Frac | E.Sum):
        return r" \cdot "
    return " "


def math(node: E.Node) -> str:
    """A display tree as LaTeX."""
    if isinstance(node, E.Sym):
        return name(node.name)
    if isinstance(node, E.Num):
        return number(node)
    if isinstance(node, E.Partial):
        return rf"\frac{{\partial {name(node.of)}}}{{\partial {name(node.wrt)}}}"
    if isinstance(node, E.Add):
        return _add(node)
    if isinstance(node, E.Neg):
        inner = math(node.arg)
        return "-" + (_group(inner) if E.bracket_negated(node.arg) else inner)
    if isinstance(node, E.Mul):
        return _mul(node)
    if isinstance(node, E.Frac):
        return rf"\frac{{{math(node.num)}}}{{{math(node.den)}}}"
    if isinstance(node, E.Pow):
        base = math(node.base)
        exponent_number = isinstance(node.base, E.Num) and "e" in node.base.text
        if E.bracket_base(node.base) or exponent_number:
            base = _group(base)
        elif isinstance(node.base, E.Sym) and node.base.name.sup is not None:
            base = "{" + base + "}"  # h^{(1)}_{1} squared: a double superscript otherwise
        return f"{base}^{{{math(node.exp)}}}"
    if isinstance(node, E.Call):
        return _call(node)
    if isinstance(node, E.Indicator):
        relation = RELATIONS.get(node.relation, node.relation)
        return rf"\mathbf{{1}}\left[{math(node.left)} {relation} {math(node.right)}\right]"
    if isinstance(node, E.Sum):
        return rf"\sum_{{{node.index}}} {math(node.body)}"
    raise TypeError(f"cannot print {node!r}")


def _add(node: E.Add) -> str:
    return "".join(_add_pieces(node))


def _add_pieces(node: E.Add) -> list[str]:
    """The terms of a sum as printed, each after the first with its " + " or " - "."""
    pieces: list[str] = []
    for position, term in enumerate(node.terms):
        first = position == 0
        if isinstance(term, E.Neg):
            inner = math(term.arg)
            if E.bracket_negated(term.arg):
                inner = _group(inner)
            pieces.append(("-" if first else " - ") + inner)
            continue
        shown = math(term)
        if E.bracket_term(term, first):
            shown = _group(shown)
        pieces.append(shown if first else " + " + shown)
    return pieces


def _flat(node: E.Mul) -> list[E.Node]:
    """A product's factors with nested products opened: printing is associative."""
    flat: list[E.Node] = []
    for factor in node.factors:
        flat.extend(_flat(factor) if isinstance(factor, E.Mul) else (factor,))
    return flat


def _mul(node: E.Mul) -> str:
    pieces: list[str] = []
    previous: E.Node | None = None
    previous_bracketed = False
    for factor in _flat(node):
        bracketed = E.bracket_factor(factor)
        shown = _group(math(factor)) if bracketed else math(factor)
        if previous is not None:
            pieces.append(_separator(previous, factor, previous_bracketed))
        pieces.append(shown)
        previous, previous_bracketed = factor, bracketed
    return "".join(pieces)


def _call(node: E.Call) -> str:
    args = ", ".join(math(arg) for arg in node.args)
    if node.function == "exp":
        return f"e^{{{args}}}"
    if node.function == "sqrt":
        return rf"\sqrt{{{args}}}"
    if node.function in _FUNCTIONS:
        return rf"{_FUNCTIONS[node.function]}\left({args}\right)"
    label = node.function.replace("_", r"\_")
    index = f"_{{{node.index}}}" if node.index is not None else ""
    return rf"\operatorname{{{label}}}{index}\left({args}\right)"


def _member(step: E.Step, aligned: bool) -> str:
    """A step's expression; a split sum continues on new lines, one term each."""
    if not (step.split and aligned and isinstance(step.expr, E.Add)):
        return math(step.expr)
    first, *rest = _add_pieces(step.expr)
    return first + "".join(r" \\" + "\n&\\quad " + piece.strip() for piece in rest)


def chain(item: E.Chain, *, align: bool = False, stacked: bool = False) -> str:
    """lhs = … = …; `align` puts & before the first relation, `stacked` \\\\ & before the others."""
    pieces = [math(item.lhs)]
    for position, step in enumerate(item.steps):
        relation = RELATIONS.get(step.relation, step.relation)
        member = _member(step, align)
        if stacked and position > 0:
            pieces.append(r" \\" + "\n&" + relation + " " + member)
        elif align and position == 0:
            pieces.append(" &" + relation + " " + member)
        elif step.relation == ",":
            pieces.append(rf",\ {member}")  # a list of equations: x_1 = 0.5,\ x_2 = 0.3
        else:
            pieces.append(f" {relation} {member}")
    return "".join(pieces)


def inline_math(item: E.Node | E.Chain) -> str:
    return chain(item) if isinstance(item, E.Chain) else math(item)


# -- prose and blocks ------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Prose as LaTeX source that typesets exactly these characters."""
    pieces: list[str] = []
    for char in text:
        if char in _PROSE_MATH:
            pieces.append(rf"\({_PROSE_MATH[char]}\)")
        else:
            pieces.append(_ESCAPES.get(char, char))
    return "".join(pieces)


def inline(parts: Iterable[Inline]) -> str:
    return "".join(
        escape(part.text) if isinstance(part, Text) else rf"\({inline_math(part.expr)}\)"
        for part in parts
    )


def _tag(parts: Iterable[Inline]) -> str:
    """A row's tag inside math: prose in \\text{}, math as it is."""
    return "".join(
        r"\text{" + escape(part.text) + "}" if isinstance(part, Text) else inline_math(part.expr)
        for part in parts
    )


def row_latex(row: Row, layout: str = "aligned") -> str:
    """One row of an align* environment."""
    if row.tag:  # the tag takes the left column, the whole chain the right one
        return _tag(row.tag) + r" &\quad " + chain(row.chain)
    return chain(row.chain, align=True, stacked=layout == "stacked")


def equations(item: Equations) -> str:
    body = " \\\\\n".join(row_latex(row, item.layout) for row in item.rows)
    return "\\begin{align*}\n" + body + "\n\\end{align*}"


_SECTIONS = {1: "section*", 2: "subsection*", 3: "subsubsection*"}


def block(item: Block) -> str:
    if isinstance(item, Heading):
        return f"\\{_SECTIONS.get(item.level, 'paragraph*')}{{{inline(item.parts)}}}"
    if isinstance(item, Paragraph):
        return inline(item.parts)
    if isinstance(item, Items):
        entries = "\n".join(r"\item " + inline(parts) for parts in item.items)
        return "\\begin{itemize}\n" + entries + "\n\\end{itemize}"
    if isinstance(item, Equations):
        return equations(item)
    if isinstance(item, Table):
        return _table(item)
    assert isinstance(item, Diagram)
    from symbp.formats.diagram import tikz

    return "\\begin{center}\n" + tikz(item) + "\n\\end{center}"


def _table(item: Table) -> str:
    lines = [
        f"\\begin{{center}}\\begin{{tabular}}{{{item.alignment}}}",
        r"\hline",
        " & ".join(inline(cell) for cell in item.header) + r" \\",
        r"\hline",
    ]
    lines += [" & ".join(inline(cell) for cell in row) + r" \\" for row in item.rows]
    lines += [r"\hline", r"\end{tabular}\end{center}"]
    return "\n".join(lines)


def render_blocks(blocks: Iterable[Block]) -> str:
    """Blocks as a LaTeX fragment (needs amsmath; tikz if there is a diagram)."""
    return "\n\n".join(block(item) for item in blocks) + "\n"


def render_document(document: Document) -> str:
    """A complete .tex file: pdflatex for English, xelatex (ctexart) for Chinese."""
    if document.lang == "zh":
        head = ["% Compile with xelatex (ctex).", r"\documentclass[11pt]{ctexart}"]
    else:
        head = [
            "% Compile with pdflatex.",
            r"\documentclass[11pt]{article}",
            r"\usepackage[utf8]{inputenc}",
        ]
    head += [
        r"\usepackage[a4paper,margin=2cm]{geometry}",
        r"\usepackage{amsmath,amssymb}",
        r"\usepackage{tikz}",
        r"\allowdisplaybreaks",
        r"\setlength{\parindent}{0pt}",
        r"\setlength{\parskip}{0.6em}",
        r"\begin{document}",
        "",
    ]
    return "\n".join(head) + render_blocks(document.blocks) + "\n\\end{document}\n"
