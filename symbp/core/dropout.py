"""Dropout on hidden layers: the spec's `dropout = { keep_prob, masks | seed }` read and checked.

Inverted dropout, as torch's nn.Dropout and deeplearning.ai write it: a kept unit's activation
is divided by keep_prob, a dropped one is 0, so a = m·f(z)/p with the mask m ∈ {0, 1}. The
masks are data (one 0/1 list per sample for each hidden layer with dropout), given or drawn
from a seed; the graph builder makes each m a constant leaf and p a constant, so the general
backward sweep gives the dropped unit's δ = 0 without a rule of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from symbp.errors import SpecError
from symbp.near import did_you_mean

__all__ = ["DropoutSpec", "parse_dropout"]

KEYS = ("keep_prob", "masks", "seed")


@dataclass(frozen=True)
class DropoutSpec:
    """Which hidden layers drop units, their keep probability and each sample's mask."""

    #: the hidden layers (1 = the first hidden layer) with dropout, in order
    layers: tuple[int, ...]
    #: keep_prob of each of those layers, in (0, 1]
    keep_prob: tuple[float, ...]
    #: per layer, per sample, per unit: 1 kept, 0 dropped
    masks: tuple[tuple[tuple[int, ...], ...], ...]
    #: the seed the masks were drawn from (numpy's RandomState, deeplearning.ai's draw), or None
    seed: int | None = None

    def keep(self, layer: int) -> float | None:
        """keep_prob of hidden layer `layer`, or None when it has no dropout."""
        if layer not in self.layers:
            return None
        return self.keep_prob[self.layers.index(layer)]

    def sample_masks(self, sample: int) -> tuple[float, ...]:
        """Sample `sample`'s mask values, layer after layer, unit after unit."""
        return tuple(float(m) for layer in self.masks for m in layer[sample])

    @property
    def uniform_keep(self) -> bool:
        """Whether every layer with dropout keeps with the same probability (one p)."""
        return len(set(self.keep_prob)) == 1

    def toml(self, n_hidden: int, sample: int | None = None) -> str:
        """The spec's `dropout = { … }` line again, read back to the same masks: keep_prob per
        hidden layer (1 where there is none), every sample's masks or one sample's."""
        keeps = [self.keep(layer) or 1.0 for layer in range(1, n_hidden + 1)]
        tables = []
        for layer, masks in zip(self.layers, self.masks, strict=True):
            rows = masks if sample is None else (masks[sample],)
            tables.append(f"{layer} = {[list(row) for row in rows]}")
        return f"dropout = {{ keep_prob = {keeps!r}, masks = {{ {', '.join(tables)} }} }}"


def parse_dropout(value: Any, layers: tuple[int, ...], n_samples: int, source: str) -> DropoutSpec:
    """`dropout = { keep_prob = 0.7, masks = { 1 = [[1, 0, 1], …] } }` (or `seed = 1`).

    keep_prob is one number for every hidden layer or a list with one per hidden layer; masks
    are keyed by hidden layer (1, 2, …), one 0/1 list per sample (a flat list for one sample).
    With a seed every hidden layer whose keep_prob is below 1 draws its masks as
    deeplearning.ai does: numpy.random.seed(seed), then rand(units, samples) < keep_prob per
    layer in order.
    """
    where = f"{source}: dropout"
    if not isinstance(value, Mapping):
        raise SpecError(f"{where} must be a table, e.g. {{ keep_prob = 0.8, seed = 1 }}")
    unknown = sorted(str(key) for key in value if key not in KEYS)
    if unknown:
        raise SpecError(
            f"{where}: unknown key {unknown[0]!r}{did_you_mean(unknown[0], KEYS)}; "
            f"known: {', '.join(KEYS)}"
        )
    hidden = layers[1:-1]
    if not hidden:
        raise SpecError(f"{where}: the network has no hidden layer to drop units of")
    if "keep_prob" not in value:
        raise SpecError(f"{where} needs keep_prob, the probability of keeping a unit")
    keeps = _keep_probs(value["keep_prob"], len(hidden), where)
    has_masks, has_seed = "masks" in value, "seed" in value
    if has_masks == has_seed:
        raise SpecError(f"{where} needs either masks = {{ … }} or seed = N (one of them)")
    if has_seed:
        seed = value["seed"]
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
            raise SpecError(f"{where}: seed must be a whole number from 0 to 2^32 − 1")
        chosen = tuple(layer for layer in range(1, len(hidden) + 1) if keeps[layer - 1] < 1)
        if not chosen:
            raise SpecError(f"{where}: keep_prob = 1 keeps every unit: there is no dropout")
        masks = _drawn(seed, chosen, hidden, keeps, n_samples)
        return DropoutSpec(chosen, tuple(keeps[i - 1] for i in chosen), masks, seed)
    given = value["masks"]
    if not isinstance(given, Mapping) or not given:
        raise SpecError(
            f"{where}: masks must be a table keyed by hidden layer, e.g. {{ 1 = [[1, 0]] }}"
        )
    found: dict[int, tuple[tuple[int, ...], ...]] = {}
    for key, rows in given.items():
        layer = _layer_key(key, len(hidden), where)
        if keeps[layer - 1] == 1:
            raise SpecError(
                f"{where}: a mask for layer {layer} but its keep_prob is 1 (no dropout there)"
            )
        found[layer] = _mask_rows(rows, hidden[layer - 1], n_samples, f"{where}: masks.{key}")
    chosen = tuple(sorted(found))
    return DropoutSpec(
        chosen, tuple(keeps[i - 1] for i in chosen), tuple(found[i] for i in chosen), None
    )


def _keep_probs(value: Any, n_hidden: int, where: str) -> list[float]:
    values = value if isinstance(value, list) else [value] * n_hidden
    if len(values) != n_hidden:
        raise SpecError(
            f"{where}: keep_prob needs one number or {n_hidden} (one per hidden layer), "
            f"not {len(values)}"
        )
    keeps = []
    for item in values:
        if isinstance(item, bool) or not isinstance(item, int | float) or item != item:
            raise SpecError(f"{where}: keep_prob must be a number in (0, 1]")
        if not 0 < item <= 1:
            raise SpecError(f"{where}: keep_prob must be in (0, 1], not {item:g}")
        keeps.append(float(item))
    return keeps


def _layer_key(key: Any, n_hidden: int, where: str) -> int:
    text = str(key)
    if not text.isdigit() or not 1 <= int(text) <= n_hidden:
        raise SpecError(
            f"{where}: masks are keyed by hidden layer 1 to {n_hidden}, not {text[:40]!r}"
        )
    return int(text)


def _mask_rows(rows: Any, units: int, n_samples: int, where: str) -> tuple[tuple[int, ...], ...]:
    """One 0/1 list per sample of `units` entries (one flat list when there is one sample)."""
    if isinstance(rows, list) and rows and not isinstance(rows[0], list) and n_samples == 1:
        rows = [rows]
    if not isinstance(rows, list) or len(rows) != n_samples:
        raise SpecError(f"{where} needs one list per sample ({n_samples})")
    found = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != units:
            raise SpecError(f"{where}: sample {number}'s mask needs {units} entries (one per unit)")
        if any(isinstance(m, bool) or m not in (0, 1) for m in row):
            raise SpecError(f"{where}: sample {number}'s mask holds something other than 0 and 1")
        found.append(tuple(int(m) for m in row))
    return tuple(found)


def _drawn(
    seed: int, chosen: tuple[int, ...], hidden: tuple[int, ...], keeps: list[float], n: int
) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """deeplearning.ai's masks: np.random.seed(seed); D = rand(units, samples) < keep_prob."""
    import numpy as np

    state = np.random.RandomState(seed)
    masks = []
    for layer in chosen:
        drawn = state.rand(hidden[layer - 1], n) < keeps[layer - 1]
        masks.append(tuple(tuple(int(v) for v in drawn[:, s]) for s in range(n)))
    return tuple(masks)
