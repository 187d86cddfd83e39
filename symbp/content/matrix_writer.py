"""The writer of the matrix form: layer names, written-out matrices, and the rules' pieces.

Shared by the one-sample form (content/matrix_sample.py), the batch form
(content/matrix_batch.py) and the documents (content/matrix.py). A layer's quantities are named
with the layer as a superscript (W⁽¹⁾, z⁽²⁾, δ⁽ᴸ⁾); matrices are written out with the numbers
symbp.core.matrices computed, and a matrix too large for a page is left out of its equation, which
then gives the rule alone.

An equation is set on one line where it fits the page, broken only between its members (the
formats pack them, content/blocks.Equations "aligned"), so its height is that of its tallest
matrix. A column vector of plain entries (names, numbers) taller than every other matrix of its
equation is written as a transposed row, [0.1  −0.2  0.05]ᵀ: a⁽¹⁾ = [h1 h2 h3 h4]ᵀ = tanh(z⁽¹⁾)
= [⋯]ᵀ takes one line where four columns took four; the shapes paragraph says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import sympy as sp

from symbp.content import expr as E
from symbp.content.blocks import Block, Equations, Heading, Row, sentence
from symbp.content.labels import labels
from symbp.content.names import Names, constant
from symbp.content.numbers import computed_num, given_num
from symbp.content.writer import Writer
from symbp.core.graph import Network, Unit
from symbp.core.matrices import Grid, Layer, MatrixForm, SampleMatrices, transpose
from symbp.core.operations import activation_info, cancels, loss_info

#: matrices wider or taller than this are not written out (they would not fit a page)
MAX_COLUMNS = 8
MAX_ROWS = 16
#: matrices side by side wider than this many characters would run off an A4 page
MAX_WIDTH = 72
#: about as many characters (by `width`) as a line of displayed math holds: `width` counts some
#: 2.4 characters to the em, the A4 line takes 40 em (formats/page.py); decides only whether an
#: equation's result will stand on a line of its own
LINE_WIDTH = 90

ONE = E.Num(1.0, "1")
#: the vector of ones: b𝟏ᵀ repeats b in every column, Δ𝟏 sums over the columns
ONES = E.Sym(E.Name("𝟏", plain="𝟏"))


_SUPERSCRIPT = str.maketrans("0123456789lLn+-", "⁰¹²³⁴⁵⁶⁷⁸⁹ˡᴸⁿ⁺⁻")


def layer_name(base: str, layer: int | str) -> E.Name:
    """W⁽¹⁾, z⁽²⁾, δ⁽ᴸ⁾, a⁽ˡ⁻¹⁾: a layer's matrix or vector (layer l − 1 is written "l-1")."""
    sup = str(layer)
    return E.Name(base, sup=f"({sup})", plain=f"{base}⁽{sup.translate(_SUPERSCRIPT)}⁾")


def layer_sym(base: str, layer: int | str) -> E.Sym:
    return E.Sym(layer_name(base, layer))


def column_of(entries: Sequence[E.Node]) -> E.Matrix:
    return E.Matrix(tuple((entry,) for entry in entries))


def row_of(entries: Sequence[E.Node]) -> E.Matrix:
    return E.Matrix((tuple(entries),))


def grid_of(rows: Sequence[Sequence[E.Node]]) -> E.Matrix:
    return E.Matrix(tuple(tuple(line) for line in rows))


def _matrices(node: E.Node) -> Iterator[E.Matrix]:
    if isinstance(node, E.Matrix):
        yield node
    elif isinstance(node, E.Add):
        for term in node.terms:
            yield from _matrices(term)
    elif isinstance(node, E.Mul | E.Hadamard):
        for factor in node.factors:
            yield from _matrices(factor)
    elif isinstance(node, E.Neg | E.Transpose):
        yield from _matrices(node.arg)
    elif isinstance(node, E.Call):
        for arg in node.args:
            yield from _matrices(arg)
    elif isinstance(node, E.Frac):
        yield from _matrices(node.num)
        yield from _matrices(node.den)


def given_vector(mw: MatrixWriter, values: Sequence[float]) -> E.Matrix:
    return column_of([mw.given(v) for v in values])


def width(node: E.Node) -> int:
    """About how many characters wide `node` is set on one line: what decides whether
    matrices side by side still fit a page (a matrix is as wide as its widest entries)."""
    if isinstance(node, E.Matrix):
        columns = zip(*node.rows, strict=True)
        return 2 + sum(2 + max(width(entry) for entry in column) for column in columns)
    if isinstance(node, E.Num):
        return len(node.text) + (4 if "e" in node.text else 0)  # 1.2 × 10⁻⁷
    if isinstance(node, E.Sym):
        return len(str(node.name))
    if isinstance(node, E.Add | E.Hadamard):
        parts = node.terms if isinstance(node, E.Add) else node.factors
        return sum(width(part) + 3 for part in parts)
    if isinstance(node, E.Mul):
        return sum(width(factor) + 1 for factor in node.factors)
    if isinstance(node, E.Neg | E.Transpose):
        return width(node.arg) + 2
    if isinstance(node, E.Frac):
        return max(width(node.num), width(node.den))
    if isinstance(node, E.Pow):
        return width(node.base) + 2
    if isinstance(node, E.Call):
        return len(node.function) + 2 + sum(width(arg) for arg in node.args)
    if isinstance(node, E.Indicator):
        return width(node.left) + width(node.right) + 5
    return 4  # a Leibniz symbol, a gradient, a sum sign


def fits(node: E.Node) -> bool:
    """Whether the matrices written out in the tree fit a page: none larger than MAX_ROWS ×
    MAX_COLUMNS or wider than MAX_WIDTH characters, and all of them side by side no wider than
    a line (LINE_WIDTH; the formats break a member a little wider between its matrices)."""
    small = all(
        m.shape[0] <= MAX_ROWS and m.shape[1] <= MAX_COLUMNS and width(m) <= MAX_WIDTH
        for m in _matrices(node)
    )
    return small and (not E.has_matrix(node) or width(node) <= LINE_WIDTH)


#: members packed on a line while they fit the page, the next member on a line of its own
LAYOUT = "aligned"


def equations(rows: Iterable[Row | None]) -> list[Block]:
    """The rows that are left as one block of equations (none when every row was too large to
    write out)."""
    kept = tuple(row for row in rows if row is not None)
    return [Equations(kept, layout=LAYOUT)] if kept else []


def _plain_column(node: E.Matrix) -> bool:
    """A column vector of names or numbers, which reads as well written as a transposed row (a
    column of formulas, o1(1 − o1), keeps its entries apart better as a column), and whose row
    fits a line."""
    rows, columns = node.shape
    if columns != 1 or rows < 2 or rows > MAX_COLUMNS:
        return False
    plain = all(isinstance(r[0], E.Sym | E.Num) for r in node.rows)
    return plain and width(_row(node)) <= MAX_WIDTH


def _row(column: E.Matrix) -> E.Matrix:
    return row_of([r[0] for r in column.rows])


def _names(node: E.Matrix) -> bool:
    return all(isinstance(r[0], E.Sym) for r in node.rows)


def _height(members: Iterable[E.Node]) -> int:
    """The rows of the tallest matrix in the members that stays as it is written: a grid, a
    row, a column of formulas (1 when there is none)."""
    return max(
        (m.shape[0] for member in members for m in _matrices(member) if not _plain_column(m)),
        default=1,
    )


def _as_rows(node: E.Node, height: int) -> E.Node:
    """The same tree with every plain column taller than `height` written as a transposed row,
    and every column of names (they take part in no arithmetic: [z_h1 z_h2 z_h3]ᵀ)."""
    if isinstance(node, E.Matrix):
        if _plain_column(node) and (node.shape[0] > height or _names(node)):
            return E.Transpose(_row(node))
        return node
    if isinstance(node, E.Add):
        return E.Add(tuple(_as_rows(t, height) for t in node.terms))
    if isinstance(node, E.Mul):
        return E.Mul(tuple(_as_rows(f, height) for f in node.factors))
    if isinstance(node, E.Hadamard):
        return E.Hadamard(tuple(_as_rows(f, height) for f in node.factors))
    if isinstance(node, E.Neg):
        return E.Neg(_as_rows(node.arg, height))
    if isinstance(node, E.Call):
        args = tuple(_as_rows(a, height) for a in node.args)
        return E.Call(node.function, args, node.index, node.prime)
    if isinstance(node, E.Frac):
        return E.Frac(_as_rows(node.num, height), _as_rows(node.den, height))
    return node  # a transpose keeps its argument: (a⁽⁰⁾)ᵀ is already a row


def _chain_width(chain: E.Chain) -> int:
    return width(chain.lhs) + sum(3 + width(member) for member in chain.members[1:])


def rowed(chain: E.Chain) -> tuple[E.Chain, bool]:
    """The chain with its plain columns written as transposed rows where that makes it no
    taller: every column of names, every column taller than the matrices that stay as they are,
    and the result when the equation runs over more than one line (it would stand alone on the
    last, as tall as it has entries). Returns whether any was."""
    height = _height(chain.members)
    one_line = _chain_width(chain) <= LINE_WIDTH
    steps = []
    for position, step in enumerate(chain.steps):
        last = position == len(chain.steps) - 1
        expr = _as_rows(step.expr, 0 if last and not one_line else height)
        if width(expr) > MAX_WIDTH:  # rows beside a grid: wider than a line, broken, taller
            expr = step.expr
        steps.append(E.Step(step.relation, expr, step.split))
    shown = E.Chain(chain.lhs, tuple(steps))
    return shown, shown != chain


@dataclass
class MatrixWriter:
    """Builds the matrix form's equations for one network, remembering what did not fit."""

    form: MatrixForm
    digits: int
    lang: str
    #: a handout numbers its sections ("2. Forward pass"); a derivation does not
    numbered: bool = False
    #: the problem is stated above with a table of the samples (a handout's): X and Y are not
    #: written out again (their numbers are in W⁽¹⁾X and A⁽ᴸ⁾ − Y)
    samples_given: bool = False
    names: Names = field(init=False)
    left_out: bool = False
    #: whether some column vector was written as a transposed row (the shapes paragraph says so)
    rows_transposed: bool = False

    def __post_init__(self) -> None:
        self.names = Names(self.form.network)

    @property
    def network(self) -> Network:
        return self.form.network

    @property
    def trains_biases(self) -> bool:
        """Whether any bias gets a gradient (and the rules mention ∂L/∂b)."""
        return any(layer.trainable_biases for layer in self.form.layers)

    def section(self, part: str) -> Heading:
        """The heading of the forward pass, the backward pass or the update."""
        words = labels(self.lang)
        if self.numbered:
            return Heading(sentence(words[part]), 2)
        if part == "update":
            return Heading(
                sentence(words["matrix_update"], self.given(self.network.spec.learning_rate)), 2
            )
        return Heading(sentence(words[f"matrix_{part}"]), 2)

    def writer(self, sample: SampleMatrices) -> Writer:
        """Formulas with this sample's numbers, as the matrix form computed them."""
        network = self.network
        values: dict[sp.Symbol, float] = dict(self.form.parameter_values)
        for unit, value in zip(network.inputs, sample.a[0], strict=True):
            values[unit.a] = value
        for target, value in zip(network.targets, sample.targets, strict=True):
            values[target] = value
        for layer in self.form.layers:
            n = layer.number
            for unit, a, z, d in zip(
                layer.units, sample.a[n], sample.z[n], sample.delta[n], strict=True
            ):
                assert unit.z is not None and unit.delta is not None
                values.update({unit.a: a, unit.z: z, unit.delta: d})
        values[network.loss] = sample.loss
        return Writer(self.names, values, self.digits)

    def chain(self, lhs: E.Node, *members: E.Node) -> Row | None:
        """lhs = members, leaving out those whose matrices are too large (None if none is left)
        and consecutive members that print the same."""
        kept: list[E.Node] = []
        for member in members:
            if not fits(member):
                self.left_out = True
                continue
            if kept and kept[-1] == member:
                continue
            kept.append(member)
        return self.row(E.equals(lhs, *kept)) if kept else None

    def row(self, chain: E.Chain) -> Row:
        """The chain as a displayed row, its tall plain columns written as transposed rows."""
        shown, changed = rowed(chain)
        self.rows_transposed = self.rows_transposed or changed
        return Row(shown)

    # numbers ---------------------------------------------------------------------------------

    def num(self, value: float) -> E.Num:
        """A computed value to the requested significant digits."""
        return computed_num(value, self.digits)

    def given(self, value: float) -> E.Num:
        """A value the problem gives (a weight, an input), as given."""
        return given_num(value, self.digits)

    def numbers(self, grid: Grid) -> E.Matrix:
        return grid_of([[self.num(v) for v in line] for line in grid])

    def vector(self, values: Sequence[float]) -> E.Matrix:
        return column_of([self.num(v) for v in values])

    def activations(
        self, values: Sequence[float], layer: int, *, transposed: bool = False
    ) -> E.Matrix:
        """a⁽ˡ⁾ (or (a⁽ˡ⁾)ᵀ, a row): given for the inputs (l = 0), computed above them."""
        shown = self.given if layer == 0 else self.num
        entries = [shown(v) for v in values]
        return row_of(entries) if transposed else column_of(entries)

    def activation_grid(self, grid: Grid, layer: int) -> E.Matrix:
        shown = self.given if layer == 0 else self.num
        return grid_of([[shown(v) for v in line] for line in grid])

    def weights(self, layer: Layer, *, transposed: bool = False) -> E.Matrix:
        grid = self.form.weights(layer)
        return grid_of(
            [[self.given(v) for v in line] for line in (transpose(grid) if transposed else grid)]
        )

    def biases(self, layer: Layer) -> E.Matrix:
        return column_of([self.given(v) for v in self.form.bias_vector(layer)])

    def unit_names(self, units: Sequence[Unit], kind: str) -> E.Matrix:
        symbols = [getattr(unit, kind) for unit in units]
        return column_of([self.names.sym(symbol) for symbol in symbols])

    # the pieces of the rules -----------------------------------------------------------------

    def activation(self, layer: Layer, argument: E.Node, *, prime: bool = False) -> E.Call:
        """σ(z⁽ˡ⁾), softmax(z⁽ᴸ⁾), relu′(z⁽ˡ⁾): the layer's own function by name."""
        activation = layer.units[0].activation
        assert activation is not None
        function = activation_info(activation.name).call_name
        return E.Call(function, (argument,), prime=prime)

    def grad_output(self) -> E.Grad:
        return E.Grad(self.names.loss, layer_name("a", len(self.form.layers)))

    def simplified(self, a: E.Node, y: E.Node) -> E.Node | None:
        """δ⁽ᴸ⁾ where loss and activation cancel: a − y, or (a − y)/K for sigmoid with BCE."""
        spec = self.network.spec
        error = E.total(a, E.Neg(y))
        if not cancels(spec.loss, spec.activations[-1]):
            return None
        if loss_info(spec.loss).mean_over_outputs:
            count = len(self.network.outputs)
            return E.Mul((E.Frac(ONE, E.Num(float(count), str(count))), error))
        return error


def error_scale(network: Network) -> sp.Expr | None:
    """c where every output's ∂L/∂o_k is c·(o_k − y_k) (1 for ½Σ(o − y)², 2/K for a mean
    over K outputs), None for a loss of another form (cross-entropy's −y_k/o_k)."""
    if not network.targets:  # an objective: no targets, no error
        return None
    scales = set()
    for unit, target in zip(network.outputs, network.targets, strict=True):
        derivative = network.local_derivative(network.loss, unit.a)
        scale = sp.simplify(derivative / (unit.a - target))
        if scale.free_symbols or not scale.is_Rational or scale == 0:
            return None
        scales.add(scale)
    return scales.pop() if len(scales) == 1 else None


def scaled_error(scale: sp.Expr, a: E.Node, y: E.Node) -> E.Node:
    """c(A − Y): a written scale in front of the difference, none for 1."""
    error = E.total(a, E.Neg(y))
    if scale == 1:
        return error
    return E.Mul((E.Converter({}, {}, {}, constant)(scale), error))


def output_gradient_entry(network: Network) -> E.Chain | None:
    """∂L/∂o_k = −y_k/o_k: an output's loss derivative written for a general output k (None
    when it involves another output than its own)."""
    if not network.targets:
        return None
    unit, target = network.outputs[0], network.targets[0]
    derivative = network.local_derivative(network.loss, unit.a)
    if not derivative.free_symbols <= {unit.a, target}:
        return None
    o_k, y_k = sp.Symbol("o_k"), sp.Symbol("y_k")
    generic = {o_k: E.Name("o", "k", plain="o_k"), y_k: E.Name("y", "k", plain="y_k")}
    convert = E.Converter(generic, {}, {}, constant)
    written = convert(derivative.xreplace({unit.a: o_k, target: y_k}))
    return E.equals(E.Partial(Names(network).loss, E.Name("o", "k", plain="o_k")), written)


def layer_heading(mw: MatrixWriter, layer: Layer) -> Heading:
    words = labels(mw.lang)
    if layer.number == len(mw.form.layers):
        return Heading(sentence(words["layer_output"]), 3)
    return Heading(sentence(words["layer_hidden"], str(layer.number)), 3)


def hidden_rule(*, batch: bool = False) -> E.Chain:
    """δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀδ⁽ˡ⁺¹⁾ ⊙ f′(z⁽ˡ⁾) (Δ and Z in the batch form)."""
    delta, pre = ("Δ", "Z") if batch else ("δ", "z")
    return E.equals(
        layer_sym(delta, "l"),
        E.Hadamard(
            (
                E.Mul((E.Transpose(layer_sym("W", "l+1")), layer_sym(delta, "l+1"))),
                E.Call("f", (layer_sym(pre, "l"),), prime=True),
            )
        ),
    )


def rules(mw: MatrixWriter) -> tuple[E.Chain, ...]:
    """The rules of the backward pass of one sample with a general layer l: the output layer's
    δ and δ⁽ˡ⁾, then ∂L/∂W⁽ˡ⁾ and ∂L/∂b⁽ˡ⁾ when biases learn (the batch form states its
    gradients with the samples)."""
    output = output_rule(mw)
    assert output is not None  # one sample: every output layer has its rule
    weights = E.equals(
        E.Partial(mw.names.loss, layer_name("W", "l")),
        E.Mul((layer_sym("δ", "l"), E.Transpose(layer_sym("a", "l-1")))),
    )
    if not mw.trains_biases:
        return output, hidden_rule(), weights
    biases = E.equals(E.Partial(mw.names.loss, layer_name("b", "l")), layer_sym("δ", "l"))
    return output, hidden_rule(), weights, biases


def output_rule(mw: MatrixWriter, *, batch: bool = False) -> E.Chain | None:
    """The output layer's δ⁽ᴸ⁾ (by its number, as δ⁽³⁾: L is the loss): ∇_a L ⊙ f′(z⁽ᴸ⁾) for an
    elementwise activation; for softmax, whose outputs are coupled, (J⁽ᴸ⁾)ᵀ∇_a L (never a ⊙),
    = a⁽ᴸ⁾ − y where cross-entropy cancels the Jacobian. The batch form writes Δ⁽ᴸ⁾ with G⁽ᴸ⁾
    (column n: sample n's ∇_a L⁽ⁿ⁾), and Δ⁽ᴸ⁾ = A⁽ᴸ⁾ − Y for softmax with cross-entropy; a
    softmax without it has no matrix equation (each column has its own Jacobian): None."""
    last = str(len(mw.form.layers))
    lhs = layer_sym("Δ" if batch else "δ", last)
    if mw.form.layers[-1].elementwise:
        output_error: E.Node = (
            layer_sym("G", last) if batch else E.Grad(mw.names.loss, layer_name("a", last))
        )
        pre = layer_sym("Z" if batch else "z", last)
        return E.equals(lhs, E.Hadamard((output_error, E.Call("f", (pre,), prime=True))))
    if batch:
        simplified = mw.simplified(layer_sym("A", last), E.Sym(E.Name("Y", plain="Y")))
        return None if simplified is None else E.equals(lhs, simplified)
    simplified = mw.simplified(layer_sym("a", last), E.Sym(E.Name("y", plain="y")))
    jacobian = E.Mul(
        (E.Transpose(layer_sym("J", last)), E.Grad(mw.names.loss, layer_name("a", last)))
    )
    return E.equals(lhs, jacobian, *((simplified,) if simplified is not None else ()))


def bias_gradient_rows(
    mw: MatrixWriter,
    layer: Layer,
    rule: list[E.Node],
    numbers: list[E.Node],
    per_unit: Sequence[float],
) -> list[Row | None]:
    """The bias rows: the vector's gradient, or 𝟏ᵀ of it for a bias the layer shares."""
    trainable = layer.trainable_biases
    if not trainable:
        return []
    n = layer.number
    shared = layer.shared_bias
    if shared is None:
        gradient = E.Partial(mw.names.loss, layer_name("b", n))
        return [mw.chain(gradient, *rule, *numbers, mw.vector(per_unit))]
    ones = row_of([ONE] * len(layer.units))
    total = math.fsum(per_unit)
    return [
        mw.chain(
            mw.names.partial(mw.network.loss, shared.symbol),
            *(_summed(E.Transpose(ONES), r) for r in rule),
            *(_summed(ones, m) for m in numbers),
            mw.num(total),
        )
    ]


def _summed(ones: E.Node, node: E.Node) -> E.Node:
    """𝟏ᵀ times a vector (or a scaled one: (1/N)𝟏ᵀΔ𝟏, the scale kept in front)."""
    if isinstance(node, E.Mul) and isinstance(node.factors[0], E.Frac):
        return E.Mul((node.factors[0], ones, *node.factors[1:]))
    return E.Mul((ones, node))
