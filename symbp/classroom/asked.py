"""Which quantities an exercise asks for (its blanks), by group or by the names check-hand reads.

The groups are the kinds of the hand calculation's quantity table: `forward` (z and a of every
unit), `z`, `a`, `loss`, `upstream` (∂L/∂a), `delta`, `gradient`, `update` (the updated weights)
and `change` (Δw). The default is what a course's one step by hand writes: forward, loss, delta,
gradient, update. Asked quantities are kept in the table's dependency order, so a worksheet, a
key and a submission list them in the order they are computed.
"""

from __future__ import annotations

from collections.abc import Sequence

from symbp.errors import SymbpError
from symbp.handcheck.quantities import QuantityTable, known_names

DEFAULT_ASK = ("forward", "loss", "delta", "gradient", "update")
GROUPS = ("forward", "z", "a", "loss", "upstream", "delta", "gradient", "update", "change")


def asked_keys(table: QuantityTable, ask: Sequence[str] | None) -> tuple[str, ...]:
    """The canonical keys of the asked quantities, in dependency order."""
    wanted: set[str] = set()
    for item in ask or DEFAULT_ASK:
        name = item.strip()
        if not name:
            continue
        group = _group(table, name)
        if group is not None:
            wanted |= group
            continue
        quantity = table.resolve(name)
        if quantity is None:
            suggestion = table.suggest(name)
            hint = f"; did you mean {suggestion!r}?" if suggestion else ""
            raise SymbpError(
                f"--ask: unknown quantity {name!r}{hint} (groups: {', '.join(GROUPS)}; names: "
                f"{known_names(table)})"
            )
        if quantity.kind == "given":
            raise SymbpError(f"--ask: {quantity.key} is given by the exercise, not asked")
        wanted.add(quantity.key)
    keys = tuple(q.key for q in table.quantities if q.key in wanted)
    if not keys:
        raise SymbpError("--ask names no quantity")
    return keys


def _group(table: QuantityTable, name: str) -> set[str] | None:
    group = name.casefold()
    if group not in GROUPS:
        return None
    network = table.network
    if group in ("z", "a", "forward"):
        units = [u for layer in network.layers[1:] for u in layer]
        found: set[str] = set()
        if group != "a":
            found |= {u.z.name for u in units if u.z is not None}
        if group != "z":
            found |= {u.a.name for u in units}
        return found
    return {q.key for q in table.quantities if q.kind == group}
