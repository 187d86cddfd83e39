"""What a circuit exercise writes besides its sheets: the student's spec, the class's key rows
and manifest, and the data of a student's offline self-check page.

The page holds no answer. It holds the given input values, each gate's formula and each use's
local gradient as small expression trees (symbp.classroom.selfcheck.formula_tree; the page
evaluates them with the functions printed from the operation table), and the catalogue sealed
(symbp.classroom.sealing) with what those formulas give: every gate's value and every node's
gradient, worked forward and backward in float64 as the page works them when the student
presses the button. Opened, the catalogue holds exactly what check-hand judges circuit homework
with (symbp.handcheck.circuit): every node's true value and gradient, and for each use of a
node the facts the mistakes are computed from; the page's script judges with those numbers by
the same arithmetic, so its verdicts are check-hand's.
"""

from __future__ import annotations

import json
from typing import Any

import sympy as sp

from symbp.classroom import sealing
from symbp.classroom.circuit_variants import CircuitClass, CircuitVariant, quantity_keys
from symbp.classroom.selfcheck import formula_tree, number
from symbp.core.circuit import Circuit, CircuitDerivation
from symbp.errors import SymbpError
from symbp.handcheck.circuit import RELATIVE_SLACK, use_facts
from symbp.handcheck.floats import float_value
from symbp.handcheck.formula import MAX_NUMBER_CHARS

FORMAT_VERSION = 1


def circuit_toml(circuit: Circuit) -> str:
    """A circuit spec (title, expression, values) that load_circuit_spec reads back."""
    lines = [
        f"title = {json.dumps(circuit.title, ensure_ascii=False)}",
        f"expression = {json.dumps(circuit.expression, ensure_ascii=False)}",
        "values = { "
        + ", ".join(f"{circuit.names[s]} = {float(v)!r}" for s, v in circuit.given.items())
        + " }",
    ]
    return "\n".join(lines) + "\n"


def circuit_key_rows(exercise: CircuitClass) -> list[list[str]]:
    """The class's answers in the submission format: id, then each asked quantity."""
    decimals = exercise.settings.answer_decimals
    rows = [["id", *exercise.asked]]
    for variant in exercise.variants:
        answers = variant.answers
        rows.append([variant.student.id, *(f"{answers[k]:.{decimals}f}" for k in exercise.asked)])
    return rows


def circuit_manifest(exercise: CircuitClass, lang: str) -> str:
    """exercise.json of a circuit exercise (kind "circuit": symbp grade refuses it)."""
    settings = exercise.settings
    document = {
        "symbp_exercise": 1,
        "kind": "circuit",
        "title": exercise.base.title,
        "expression": list(exercise.base.statements),
        "lang": lang,
        "seed": settings.seed,
        "decimals": settings.decimals,
        "answer_decimals": settings.answer_decimals,
        "min_decimals": settings.minimum_decimals,
        "ranges": {"inputs": [settings.inputs.low, settings.inputs.high]},
        "asked": list(exercise.asked),
        "students": [{"id": v.student.id, "name": v.student.name} for v in exercise.variants],
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def _local(expr: sp.Expr) -> sp.Expr:
    """A local gradient in the functions the page knows: sign(a) (abs′) as H(a) − H(−a)."""
    return expr.replace(
        sp.sign, lambda a: sp.Heaviside(a, sp.Integer(0)) - sp.Heaviside(-a, sp.Integer(0))
    )


def chain_values(
    derivation: CircuitDerivation, given: dict[str, float]
) -> tuple[dict[str, float], dict[str, float]]:
    """Every node's value (forward) and gradient (backward, the sum over its uses of upstream ×
    local) worked in float64 from the given values, step by step as the page works them."""
    circuit = derivation.circuit
    graph = circuit.graph
    values: dict[sp.Symbol, float] = {}
    for symbol, node in graph.nodes.items():
        if node.definition is None:
            values[symbol] = given[circuit.names[symbol]]
        else:
            values[symbol] = float_value(node.definition, values)
    gradients: dict[sp.Symbol, float] = {}
    for symbol in reversed(list(graph.nodes)):
        if symbol == circuit.root:
            gradients[symbol] = 1.0
            continue
        terms = [
            gradients[use.user] * float_value(_local(use.local), values)
            for use in derivation.contributions.get(symbol, ())
        ]
        gradients[symbol] = _fsum(terms)
    names = circuit.names
    return (
        {names[s]: v for s, v in values.items()},
        {names[s]: g for s, g in gradients.items()},
    )


def _fsum(values: list[float]) -> float:
    import math

    try:
        return math.fsum(values)
    except (OverflowError, ValueError):
        return float(sum(values))


def secret_order(circuit: Circuit) -> tuple[list[str], list[str]]:
    """The gates whose values, and the nodes whose gradients, make the seal's key (in order)."""
    nodes = list(circuit.graph.nodes)
    gates = [circuit.names[s] for s in nodes if circuit.graph.nodes[s].definition is not None]
    gradients = [circuit.names[s] for s in nodes if s != circuit.root]
    return gates, gradients


def circuit_page_data(
    variant: CircuitVariant,
    exercise: CircuitClass,
    labels: dict[str, str],
    mode: str = "full",
) -> dict[str, Any]:
    """The JSON-ready data of one variant's self-check page (no answer among it)."""
    if mode != "full":
        raise SymbpError(
            "--interactive consistency is for networks' exercises; a circuit's self-check page "
            "judges every number (--interactive)"
        )
    derivation = variant.derivation
    circuit = variant.circuit
    names = circuit.names
    graph = circuit.graph
    given = {names[s]: v for s, v in circuit.given.items()}
    nodes = [
        {
            "name": names[s],
            "formula": None if node.definition is None else formula_tree(node.definition),
        }
        for s, node in graph.nodes.items()
    ]
    uses = {
        names[s]: [
            {"user": names[use.user], "local": formula_tree(_local(use.local))}
            for use in derivation.contributions.get(s, ())
        ]
        for s in graph.nodes
        if s != circuit.root
    }
    values, gradients = chain_values(derivation, given)
    gate_order, gradient_order = secret_order(circuit)
    secret = sealing.password(
        [values[n] for n in gate_order] + [gradients[n] for n in gradient_order]
    )
    salt = sealing.page_salt(variant.student.id, circuit.title, str(exercise.settings.seed))
    catalogue = {
        "values": {names[s]: number(v) for s, v in circuit.values.items()},
        "gradients": {names[s]: number(g) for s, g in derivation.gradients.items()},
        "uses": {
            names[s]: [
                [f.user, f.local, f.multiply_own, f.subtracted, f.swapped]
                for f in use_facts(derivation, s)
            ]
            for s in graph.nodes
            if s != circuit.root
        },
    }
    text = json.dumps(catalogue, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    keys = quantity_keys(circuit)
    return {
        "version": FORMAT_VERSION,
        "kind": "circuit",
        "mode": mode,
        "student": variant.student.id,
        "title": circuit.title,
        "objective": names[circuit.root],
        "asked": [
            {"key": k, "node": names[keys[k][0]], "gradient": keys[k][1]} for k in exercise.asked
        ],
        "givens": given,
        "nodes": nodes,
        "uses": uses,
        "secret": {"gates": gate_order, "gradients": gradient_order},
        "catalogue": {
            "salt": salt.hex(),
            "iterations": sealing.ITERATIONS,
            "sealed": sealing.seal(text, secret, salt),
        },
        "constants": {"slack": RELATIVE_SLACK, "max_number_chars": MAX_NUMBER_CHARS},
        "labels": labels,
    }
