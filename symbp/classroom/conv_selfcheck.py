"""The data of a convolution student's offline self-check page, as the circuit page's
(symbp.classroom.circuit_selfcheck) on the one graph of operations.

The page holds no answer. It holds the given numbers (the image, every kernel weight, bias and
dense weight, the targets: the worksheet shows them), each node's formula of the network's graph
(symbp.core.conv: every weighted sum, activation, pooling window and the loss) and each use's
local gradient as small expression trees (symbp.classroom.selfcheck.formula_tree, which the
page evaluates with the functions printed from the operation table), and the catalogue sealed
(symbp.classroom.sealing) with what those formulas give: every node's value and gradient, worked
forward and backward in float64 as the page works them when the student presses the button.
Opened, the catalogue holds the first convolution layer's numbers check-hand judges conv
homework with (symbp.handcheck.conv: the activation's output and derivative, the δ maps, the
gradients, the pooling layer's upstream gradient); the page's script judges with them by the
same arithmetic (its δ maps recomputed into the kernel's, the bias's and the input's gradient
for carried errors and the catalogue's mistakes), so its verdicts are check-hand's.

Each blank is one cell of a grid, keyed by check-hand's name of the cell (delta1[1,2],
dL/dW1[3,1], dL/db1, dL/dX[2,2]): what a student types in the page is what check-hand reads.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from symbp.classroom import sealing
from symbp.classroom.selfcheck import formula_tree, number
from symbp.core.opgraph import CONSTANT
from symbp.errors import SymbpError
from symbp.handcheck import conv_layer as C
from symbp.handcheck.conv import RELATIVE_SLACK
from symbp.handcheck.floats import float_value

if TYPE_CHECKING:
    from symbp.classroom.conv_variants import ConvSettings, ConvVariant
    from symbp.core.conv import ConvNet

FORMAT_VERSION = 1
#: the largest graph a page carries (a teaching net has a few hundred nodes; an MNIST-size
#: layer's tens of thousands would make a page of megabytes the browser works for seconds)
MAX_PAGE_NODES = 5_000


@dataclass(frozen=True)
class Cell:
    """One blank: a cell of a grid the worksheet asks for, by check-hand's name."""

    key: str  # delta1[1,2], dL/dW1_2[3,1], dL/db1, dL/dX[2,2]
    grid: str  # the grid's name as check-hand reads it: delta1, dL/dW1_2, dL/db1, dL/dX
    kind: str  # handcheck.conv.KINDS
    filter: int  # from 0
    channel: int  # from 0
    row: int  # from 0
    col: int


def asked_grids(layer: C.ConvLayer) -> list[tuple[str, str, int, int, np.ndarray]]:
    """(check-hand's name, kind, filter, channel, the true grid) of every grid the worksheet
    asks for, in the order the key lists them (a bias as a 1 × 1 grid)."""
    several = layer.filters > 1
    channels = layer.channels
    found: list[tuple[str, str, int, int, np.ndarray]] = []
    for f in range(layer.filters):
        index = str(f + 1) if several else ""
        if layer.pool is not None:
            found.append((f"dL/da{index}", "delta_a", f, 0, layer.delta_a[f]))
        found.append((f"delta{index}", "delta_z", f, 0, layer.delta_z[f]))
        for c in range(channels):
            suffix = f"{f + 1}_{c + 1}" if channels > 1 else index
            found.append((f"dL/dW{suffix}", "grad_w", f, c, layer.grad_kernels[f, c]))
        found.append((f"dL/db{index}", "grad_b", f, 0, np.array([[layer.grad_bias[f]]])))
    for c in range(channels):
        name = f"dL/dX{c + 1 if channels > 1 else ''}"
        found.append((name, "grad_x", 0, c, layer.grad_input[c]))
    return found


def asked_cells(layer: C.ConvLayer) -> list[tuple[Cell, float]]:
    """Every blank with its true value, grid by grid, row by row."""
    cells = []
    for name, kind, f, c, grid in asked_grids(layer):
        for (r, col), value in np.ndenumerate(grid):
            key = name if kind == "grad_b" else f"{name}[{r + 1},{col + 1}]"
            cells.append((Cell(key, name, kind, f, c, r, col), float(value)))
    return cells


def chain_values(net: ConvNet) -> tuple[dict[str, float], dict[str, float]]:
    """Every node's value (forward) and gradient (backward: the sum over its uses of upstream ×
    local) in float64 from the leaves' values, by the symbol's name, step by step as the page
    works them (constants such as the targets get no gradient)."""
    graph = net.graph
    values: dict[sp.Symbol, float] = {}
    for symbol, node in graph.nodes.items():
        if node.definition is None:
            values[symbol] = float(net.leaf_values[symbol])
        else:
            values[symbol] = float_value(node.definition, values)
    gradients: dict[sp.Symbol, float] = {}
    for symbol in reversed(list(graph.nodes)):
        if symbol == net.root:
            gradients[symbol] = 1.0
            continue
        if graph.nodes[symbol].op == CONSTANT:
            continue
        terms = [gradients[user] * float_value(local, values) for user, local in _uses(net, symbol)]
        gradients[symbol] = _fsum(terms)
    return (
        {s.name: v for s, v in values.items()},
        {s.name: g for s, g in gradients.items()},
    )


def _uses(net: ConvNet, symbol: sp.Symbol) -> list[tuple[sp.Symbol, sp.Expr]]:
    """(user, local derivative) of each use of a node, as the sweep takes them."""
    graph = net.graph
    return [
        (user, graph.local_derivative(user, symbol))
        for user in graph.users.get(symbol, ())
        if graph.nodes[user].op != CONSTANT
    ]


def _fsum(values: list[float]) -> float:
    try:
        return math.fsum(values)
    except (OverflowError, ValueError):
        return float(sum(values))


def _grid(array: np.ndarray) -> Any:
    return [[number(float(v)) for v in row] for row in array]


def layer_catalogue(layer: C.ConvLayer) -> dict[str, Any]:
    """What the page judges with once the seal is open: the layer's true numbers."""
    found: dict[str, Any] = {
        "a": [_grid(m) for m in layer.a],
        "derivative": [_grid(m) for m in layer.derivative],
        "delta_a": [_grid(m) for m in layer.delta_a],
        "delta_z": [_grid(m) for m in layer.delta_z],
        "grad_w": [[_grid(k) for k in f] for f in layer.grad_kernels],
        "grad_b": [number(float(v)) for v in layer.grad_bias],
        "grad_x": [_grid(m) for m in layer.grad_input],
    }
    if layer.pool is not None:
        found["upstream"] = [_grid(m) for m in layer.pool.upstream]
    return found


def conv_page_data(
    variant: ConvVariant, settings: ConvSettings, labels: dict[str, str]
) -> dict[str, Any]:
    """The JSON-ready data of one variant's self-check page (no answer among it)."""
    from symbp.core.conv import ConvNet

    net = ConvNet(variant.spec)
    graph = net.graph
    if len(graph.nodes) > MAX_PAGE_NODES:
        raise SymbpError(
            f"--interactive: the self-check page works networks of up to {MAX_PAGE_NODES} "
            f"nodes; this one has {len(graph.nodes)}"
        )
    layer = variant.layer
    nodes = [
        {
            "name": s.name,
            "formula": None if node.definition is None else formula_tree(node.definition),
        }
        for s, node in graph.nodes.items()
    ]
    uses = {
        s.name: [{"user": user.name, "local": formula_tree(local)} for user, local in _uses(net, s)]
        for s, node in graph.nodes.items()
        if s != net.root and node.op != CONSTANT
    }
    givens = {s.name: float(v) for s, v in net.leaf_values.items()}
    values, gradients = chain_values(net)
    gate_order = [s.name for s, node in graph.nodes.items() if node.definition is not None]
    gradient_order = [s.name for s, node in graph.nodes.items() if s.name in gradients]
    gradient_order.remove(net.root.name)
    secret = sealing.password(
        [values[n] for n in gate_order] + [gradients[n] for n in gradient_order]
    )
    salt = sealing.page_salt(variant.student.id, variant.spec.title, str(settings.seed))
    text = json.dumps(
        layer_catalogue(layer), ensure_ascii=False, allow_nan=False, separators=(",", ":")
    )
    pool = layer.pool
    return {
        "version": FORMAT_VERSION,
        "kind": "conv",
        "student": variant.student.id,
        "asked": [
            {
                "key": cell.key,
                "grid": cell.grid,
                "kind": cell.kind,
                "filter": cell.filter,
                "channel": cell.channel,
                "row": cell.row,
                "col": cell.col,
            }
            for cell, _ in asked_cells(layer)
        ],
        "objective": net.root.name,
        "givens": givens,
        "nodes": nodes,
        "uses": uses,
        "secret": {"gates": gate_order, "gradients": gradient_order},
        "layer": {
            # the givens the judge recomputes with: the image and the kernels as grids
            "x": [
                [[givens[s.name] for s in row] for row in channel]
                for channel in net.maps[(0, 0)].symbols
            ],  # fmt: skip
            "kernels": [[_grid(k) for k in f] for f in layer.kernels],
            "stride": layer.stride,
            "padding": layer.padding,
            "pool": None
            if pool is None
            else {"kind": pool.kind, "size": pool.size, "stride": pool.stride},
            "max_pool": C.MAX_POOL,
        },
        "catalogue": {
            "salt": salt.hex(),
            "iterations": sealing.ITERATIONS,
            "sealed": sealing.seal(text, secret, salt),
        },
        "constants": {"slack": RELATIVE_SLACK},
        "labels": labels,
    }
