"""The general graph and sweep on graphs that are not dense networks: circuits built node by node.

Each graph is checked against published numbers, torch autograd on the same expression, and
central differences of the graph's own forward pass.
"""

from __future__ import annotations

import pytest
import sympy as sp

from symbp.core.opgraph import PARAMETER, GraphBuilder, sweep
from symbp.errors import SymbpError
from tests.conftest import require_module


def _central_differences(graph, values, step=1e-6):
    result = {}
    for symbol in values:
        above = dict(values)
        above[symbol] = values[symbol] + step
        below = dict(values)
        below[symbol] = values[symbol] - step
        upper = graph.forward(above)[graph.root]
        lower = graph.forward(below)[graph.root]
        result[symbol] = (upper - lower) / (2 * step)
    return result


def _cs231n():
    """CS231n "Backpropagation, Intuitions": f = (x + y)·z, staged as q = x + y, f = q·z."""
    builder = GraphBuilder()
    x, y, z = builder.leaf("x"), builder.leaf("y"), builder.leaf("z")
    q = builder.op("q", "add", x, y)
    f = builder.op("f", "multiply", q, z)
    return builder.build(f), (x, y, z, q), {x: -2.0, y: 5.0, z: -4.0}


def test_cs231n_circuit_matches_the_course_and_torch() -> None:
    require_module("torch")
    import torch

    graph, (x, y, z, q), values = _cs231n()
    result = sweep(graph)
    forward = graph.forward(values)
    gradients = result.values(values)
    # the course's numbers (cs231n.github.io/optimization-2/): f = −12, df/dx = df/dy = −4,
    # df/dz = 3, and the intermediate df/dq = z = −4
    assert forward[graph.root] == pytest.approx(-12.0)
    assert gradients[x] == pytest.approx(-4.0)
    assert gradients[y] == pytest.approx(-4.0)
    assert gradients[z] == pytest.approx(3.0)
    assert gradients[q] == pytest.approx(-4.0)
    # an add gate distributes: ∂f/∂x is the upstream gradient z itself; a multiply gate swaps
    assert result.formula(x) == z
    assert result.formula(z) == q

    tx, ty, tz = (
        torch.tensor(values[s], dtype=torch.float64, requires_grad=True) for s in (x, y, z)
    )
    tf = (tx + ty) * tz
    tf.backward()
    for symbol, tensor in ((x, tx), (y, ty), (z, tz)):
        assert gradients[symbol] == pytest.approx(tensor.grad.item(), abs=1e-12)
    differences = _central_differences(graph, values)
    for symbol in (x, y, z):
        assert gradients[symbol] == pytest.approx(differences[symbol], abs=1e-6)


def _micrograd():
    """micrograd's README expression: names reassigned, a and b used many times."""
    builder = GraphBuilder()
    a, b = builder.leaf("a"), builder.leaf("b")
    c = builder.op("c", "add", a, b)
    d = builder.op("d", "add", builder.op("t", "multiply", a, b), builder.op("t", "power", b, 3))
    c = builder.op("c", "add", c, builder.op("t", "add", c, 1))  # c += c + 1
    c = builder.op(
        "c", "add", c, builder.op("t", "add", 1, c), builder.op("t", "negate", a)
    )  # c += 1 + c + (-a)
    d = builder.op(
        "d",
        "add",
        d,
        builder.op("t", "multiply", d, 2),
        builder.op("t", "relu", builder.op("t", "add", b, a)),
    )  # d += d * 2 + (b + a).relu()
    d = builder.op(
        "d",
        "add",
        d,
        builder.op("t", "multiply", 3, d),
        builder.op("t", "relu", builder.op("t", "subtract", b, a)),
    )  # d += 3 * d + (b - a).relu()
    e = builder.op("e", "subtract", c, d)
    f = builder.op("f", "power", e, 2)
    g = builder.op("g", "divide", f, 2.0)
    g = builder.op("g", "add", g, builder.op("t", "divide", 10.0, f))  # g += 10.0 / f
    return builder.build(g), (a, b), {a: -4.0, b: 2.0}


def test_micrograd_expression_sums_every_use() -> None:
    require_module("torch")
    import torch

    graph, (a, b), values = _micrograd()
    result = sweep(graph)
    gradients = result.values(values)
    # micrograd's README: g = 24.7041, dg/da = 138.8338, dg/db = 645.5773
    assert graph.forward(values)[graph.root] == pytest.approx(24.7041, abs=5e-5)
    assert gradients[a] == pytest.approx(138.8338, abs=5e-5)
    assert gradients[b] == pytest.approx(645.5773, abs=5e-5)
    # a feeds c, t = a·b, −a, b + a and b − a: one term per use
    assert len(result.gradient(a).uses) == 5

    ta = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    tc = ta + tb
    td = ta * tb + tb**3
    tc = tc + tc + 1
    tc = tc + 1 + tc + (-ta)
    td = td + td * 2 + (tb + ta).relu()
    td = td + 3 * td + (tb - ta).relu()
    te = tc - td
    tf = te**2
    tg = tf / 2.0
    tg = tg + 10.0 / tf
    tg.backward()
    assert gradients[a] == pytest.approx(ta.grad.item(), rel=1e-12)
    assert gradients[b] == pytest.approx(tb.grad.item(), rel=1e-12)
    differences = _central_differences(graph, values)
    assert gradients[a] == pytest.approx(differences[a], rel=1e-6)
    assert gradients[b] == pytest.approx(differences[b], rel=1e-6)


def test_a_shared_parameter_gets_the_sum_over_its_uses() -> None:
    """w used by two neurons in series (a weight tied across two steps, as an RNN's):
    L = σ(w·σ(w·x)); ∂L/∂w has one term per use, and it is their sum."""
    builder = GraphBuilder()
    x = builder.leaf("x")
    w = builder.leaf("w", PARAMETER)
    z1 = builder.op("z1", "multiply", w, x)
    h = builder.op("h", "sigmoid", z1)
    z2 = builder.op("z2", "multiply", w, h)
    o = builder.op("o", "sigmoid", z2)
    graph = builder.build(o)
    dz1, dz2 = sp.Symbol("delta_z1", real=True), sp.Symbol("delta_z2", real=True)
    result = sweep(graph, named={z1: dz1, z2: dz2})
    uses = result.gradient(w).uses
    assert [use.user for use in uses] == [z1, z2]
    assert result.formula(w) == dz1 * x + dz2 * h
    # σ′ as textbooks write it, in the node's own symbol
    assert result.gradient(z2).formula == o * (1 - o)

    values = {x: 0.7, w: -1.3}
    gradient = result.values(values)[w]
    closed = sp.diff(sp.exp(0) / (1 + sp.exp(-w * (1 / (1 + sp.exp(-w * x))))), w)
    exact = float(closed.subs({x: 0.7, w: -1.3}))
    assert gradient == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda b: b.op("q", "frobnicate", b.leaf("x")), "unknown operation 'frobnicate'"),
        (lambda b: b.op("q", "subtract", b.leaf("x")), "subtract takes 2 inputs, not 1"),
        (lambda b: b.op("q", "exp", sp.Symbol("nowhere", real=True)), "used before"),
        (lambda b: b.leaf("x", "weights"), "unknown leaf kind"),
    ],
)
def test_bad_graphs_are_one_line_errors(build, message) -> None:
    with pytest.raises(SymbpError, match=message):
        build(GraphBuilder())
