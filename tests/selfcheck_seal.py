"""Opening a self-check page's seal in a test, as a student who works the exercise would: the
page's local formulas (JSON trees) evaluated at its given numbers, here in plain Python."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from symbp.classroom import sealing


def page_data(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S)
    assert found is not None
    data: dict[str, Any] = json.loads(found[1])
    return data


def _value(tree: Any, values: dict[str, float]) -> float:
    if isinstance(tree, (int, float)):
        return float(tree)
    if isinstance(tree, str):
        return values[tree]
    name, *args = tree
    if name == "softmax":
        k, *zs = args
        exps = [math.exp(_value(z, values)) for z in zs]
        return exps[k] / math.fsum(exps)
    a = [_value(t, values) for t in args]
    simple = {
        "add": lambda: math.fsum(a),
        "mul": lambda: math.prod(a),
        "pow": lambda: a[0] ** a[1],
        "exp": lambda: math.exp(a[0]),
        "log": lambda: math.log(a[0]),
        "sigmoid": lambda: 1 / (1 + math.exp(-a[0])),
        "tanh": lambda: math.tanh(a[0]),
        "relu": lambda: max(a[0], 0.0),
        "leaky_relu": lambda: a[0] if a[0] > 0 else a[1] * a[0],
        "heaviside": lambda: float(a[0] > 0) if a[0] != 0 else (a[1] if len(a) > 1 else 0.5),
        "abs": lambda: abs(a[0]),
    }
    return float(simple[name]())


def open_seal(page: str) -> dict[str, Any]:
    """The page's sealed truth and catalogue (AssertionError if the seal does not open)."""
    data = page_data(page)
    values = dict(data["biases"]) | dict(data["givens"])
    order = []
    for q in data["quantities"]:
        if q["kind"] != "given":
            values[q["key"]] = _value(q["formula"], values)
            order.append(q["key"])
    seal = data["catalogue"]
    secret = sealing.password(values[k] for k in order)
    opened = sealing.unseal(seal["sealed"], secret, bytes.fromhex(seal["salt"]), seal["iterations"])
    assert opened is not None
    result: dict[str, Any] = json.loads(opened)
    return result
