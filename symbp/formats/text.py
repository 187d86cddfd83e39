"""Plain text for a terminal: its own math printer, the same blocks as every other format.

Formulas use the names a person types (w1, z_h1, δ_h1), "·" between symbols and "×" between
numbers; brackets go where the display tree's precedence puts them, exactly as in LaTeX.
"""

from __future__ import annotations

import textwrap
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
    Math,
    Paragraph,
    Row,
    Table,
    Text,
)

_SUPERSCRIPTS = str.maketrans("0123456789-()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁽⁾")
_FUNCTIONS = {"sigma": "σ"}
WIDTH = 100


def name(item: E.Name) -> str:
    if item.plain:
        return item.plain
    text = item.base
    if item.sup is not None:
        text += item.sup.translate(_SUPERSCRIPTS)
    if item.sub is not None:
        text += "_" + (item.sub if isinstance(item.sub, str) else name(item.sub))
    return text


def _group(text: str) -> str:
    return f"({text})"


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


def math(node: E.Node) -> str:
    """A display tree as one line of text."""
    if isinstance(node, E.Sym):
        return name(node.name)
    if isinstance(node, E.Num):
        return node.text
    if isinstance(node, E.Partial):
        return f"∂{name(node.of)}/∂{name(node.wrt)}"
    if isinstance(node, E.Add):
        return _add(node)
    if isinstance(node, E.Neg):
        inner = math(node.arg)
        bracketed = E.bracket_negated(node.arg)
        return "-" + (_group(inner) if bracketed else inner)
    if isinstance(node, E.Mul):
        return _mul(node)
    if isinstance(node, E.Frac):
        return _fraction(node)
    if isinstance(node, E.Pow):
        return _power(node)
    if isinstance(node, E.Call):
        args = ", ".join(math(arg) for arg in node.args)
        function = _FUNCTIONS.get(node.function, node.function)
        index = f"_{node.index}" if node.index is not None else ""
        return f"{function}{index}({args})"
    if isinstance(node, E.Indicator):
        return f"1[{math(node.left)} {node.relation} {math(node.right)}]"
    if isinstance(node, E.Sum):
        return f"Σ_{node.index} {math(node.body)}"
    raise TypeError(f"cannot print {node!r}")


def _add(node: E.Add) -> str:
    return "".join(_add_pieces(node))


def _add_pieces(node: E.Add) -> list[str]:
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
    for factor in _flat(node):
        # a fraction inside a product is bracketed: a/b·c would leave the reader guessing
        bracketed = E.bracket_factor(factor) or isinstance(factor, E.Frac)
        shown = _group(math(factor)) if bracketed else math(factor)
        if previous is not None:
            both_numbers = _is_number(previous) and _is_number(factor)
            pieces.append(" × " if both_numbers else "·")
        pieces.append(shown)
        previous = factor
    return "".join(pieces)


def _fraction(node: E.Frac) -> str:
    top, bottom = math(node.num), math(node.den)
    if E.precedence(node.num) < E.PRODUCT or isinstance(node.num, E.Frac):
        top = _group(top)
    if E.precedence(node.den) < E.ATOM or isinstance(node.den, E.Frac | E.Partial):
        bottom = _group(bottom)
    return f"{top}/{bottom}"


def _power(node: E.Pow) -> str:
    base = math(node.base)
    if E.bracket_base(node.base):
        base = _group(base)
    if isinstance(node.exp, E.Num) and node.exp.text.isdigit():
        return base + node.exp.text.translate(_SUPERSCRIPTS)
    exponent = math(node.exp)
    if not isinstance(node.exp, E.Sym) and not (
        isinstance(node.exp, E.Num) and not node.exp.negative
    ):
        exponent = _group(exponent)
    return f"{base}^{exponent}"


def chain(item: E.Chain) -> str:
    pieces = [math(item.lhs)]
    for step in item.steps:
        gap = "" if step.relation == "," else " "  # a list of equations: x1 = 0.5, x2 = 0.3
        pieces.append(f"{gap}{step.relation} {math(step.expr)}")
    return "".join(pieces)


def inline_math(item: E.Node | E.Chain) -> str:
    return chain(item) if isinstance(item, E.Chain) else math(item)


def inline(parts: Iterable[Inline], *, unbreakable: bool = False) -> str:
    """Prose with its math; `unbreakable` keeps each formula on one line when wrapped."""

    def math_text(part: Math) -> str:
        shown = inline_math(part.expr)
        return shown.replace(" ", NBSP) if unbreakable else shown

    return "".join(part.text if isinstance(part, Text) else math_text(part) for part in parts)


NBSP = "\u00a0"  # textwrap breaks at ASCII white space only


def _wrap(parts: Iterable[Inline], initial: str, subsequent: str) -> list[str]:
    lines = textwrap.wrap(
        inline(parts, unbreakable=True),
        WIDTH,
        initial_indent=initial,
        subsequent_indent=subsequent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [line.replace(NBSP, " ") for line in lines]


# -- blocks ---------------------------------------------------------------------------------------


def _aligned(rows: tuple[Row, ...]) -> list[str]:
    """Rows as columns: every member padded so that the relations line up."""
    cells = []
    for row in rows:
        members = [math(row.chain.lhs)] + [math(step.expr) for step in row.chain.steps]
        relations = [step.relation for step in row.chain.steps]
        tag = inline(row.tag)
        cells.append((tag, members, relations))
    tag_width = max(len(tag) for tag, _, _ in cells)
    columns = max(len(members) for _, members, _ in cells)
    widths = [
        max((len(m[i]) for _, m, _ in cells if i < len(m) - 1), default=0) for i in range(columns)
    ]
    lines = []
    for tag, members, relations in cells:
        pieces = [tag.ljust(tag_width) + "  "] if tag_width else []
        for i, member in enumerate(members):
            last = i == len(members) - 1
            pieces.append(member if last else member.ljust(widths[i]))
            if not last:
                pieces.append(f" {relations[i]} ")
        lines.append("  " + "".join(pieces).rstrip())
    return lines


def _stacked(rows: tuple[Row, ...]) -> list[str]:
    lines = []
    for row in rows:
        tag = inline(row.tag) + " " if row.tag else ""
        lhs = tag + math(row.chain.lhs)
        pad = " " * len(lhs)
        for position, step in enumerate(row.chain.steps):
            lead = lhs if position == 0 else pad
            if step.split and isinstance(step.expr, E.Add):
                first, *rest = _add_pieces(step.expr)
                lines.append(f"  {lead} {step.relation} {first}")
                lines += [f"  {pad}   {piece.strip()}" for piece in rest]
            else:
                lines.append(f"  {lead} {step.relation} {math(step.expr)}")
    return lines


def _table(item: Table) -> list[str]:
    rows = [[inline(cell) for cell in item.header]] + [
        [inline(cell) for cell in row] for row in item.rows
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(item.header))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if item.alignment[i] == "r" else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def block(item: Block) -> list[str]:
    if isinstance(item, Heading):
        heading = inline(item.parts)
        if item.level <= 1:
            return [heading, "=" * min(len(heading), WIDTH)]
        return [heading] if item.level > 2 else [heading, "-" * min(len(heading), WIDTH)]
    if isinstance(item, Paragraph):
        indent = "  " if item.kind == "note" else ""
        return _wrap(item.parts, indent, indent) or [""]
    if isinstance(item, Items):
        lines: list[str] = []
        for parts in item.items:
            lines += _wrap(parts, "  - ", "    ")
        return lines
    if isinstance(item, Equations):
        return _stacked(item.rows) if item.layout == "stacked" else _aligned(item.rows)
    if isinstance(item, Table):
        return _table(item)
    assert isinstance(item, Diagram)
    return []  # a terminal has no picture: the problem's prose names every weight


def render_blocks(blocks: Iterable[Block]) -> str:
    chunks = ["\n".join(lines) for lines in (block(item) for item in blocks) if lines]
    return "\n\n".join(chunks) + "\n"


def render_document(document: Document) -> str:
    return render_blocks(document.blocks)
