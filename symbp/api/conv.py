"""What `symbp.conv(...)` and `symbp derive/check --spec conv.toml` return: a convolutional
network derived (every gradient by the general sweep), checked against torch, rendered in every
format (JSON: every value and gradient).

    result = symbp.conv("examples/conv.toml", weights=["conv1_w[0,0,1,2]"])
    result.loss, result.gradients["conv1_w[0,0,1,2]"], result.passed
    result.render("latex")
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from symbp.api.results import CheckedResult
from symbp.errors import SymbpError

if TYPE_CHECKING:
    import sympy as sp

    from symbp.content.blocks import Block
    from symbp.core.conv import ConvNet, ConvNumbers
    from symbp.core.conv_spec import ConvSpec
    from symbp.torchcheck.conv_check import ConvCheck
    from symbp.torchcheck.conv_model import Pending
    from symbp.torchcheck.results import FiniteDifferenceCheck


class ConvResult(CheckedResult):
    """A convolutional network derived: `loss`, `gradients` (every parameter by name),
    `input_gradients` (every pixel of sample 1), `passed` (the torch check, when it ran)."""

    def __init__(
        self,
        net: ConvNet,
        numbers: ConvNumbers,
        check: ConvCheck | None,
        weights: tuple[sp.Symbol, ...] = (),
        wrt: tuple[sp.Symbol | None, ...] = (),
        every: bool = False,
        lang: str = "en",
        digits: int = 4,
        table: bool = False,
        fallback: FiniteDifferenceCheck | None = None,
    ) -> None:
        self.net = net
        #: without torch: the parameters' gradients against central differences only
        self.fallback = fallback
        self.table = table
        self.spec: ConvSpec = net.spec
        self.numbers = numbers
        self.check = check
        self.weights = weights
        self.wrt = wrt
        self.every = every
        self.lang = lang
        self.digits = digits

    @property
    def loss(self) -> float:
        return self.numbers.loss

    @property
    def gradients(self) -> dict[str, float]:
        """∂L/∂p for every parameter, by name (conv1_w[0,0,1,2], dense3_b[1])."""
        return self.numbers.parameter_gradients

    def input_gradients(self, sample: int = 0) -> dict[str, float]:
        """∂L/∂x for every pixel of a sample (0-based), by name (x[0,1,2])."""
        return self.numbers.input_gradients(sample)

    def gradient(self, name: str) -> float:
        """∂L/∂(any node): a parameter, a pixel, an activation (conv1_a[0,1,1])."""
        return self.numbers.gradient(self.net.symbol(name))

    def title(self) -> str:
        return self.spec.title

    def blocks(self) -> tuple[Block, ...]:
        from symbp.content.conv import conv_blocks

        return conv_blocks(
            self.net,
            self.numbers,
            self.weights,
            self.wrt,
            self.every,
            self.check,
            self.lang,
            self.digits,
            self.title(),
            self.table,
        )

    def to_json(self) -> str:
        net = self.net
        spec = self.spec
        numbers = self.numbers
        maps: dict[str, Any] = {}
        for (_, layer), found in sorted(net.maps.items()):
            if layer == 0:
                continue
            name = next(x.name for x in spec.layers if x.number == abs(layer))
            key = f"{name}_{'z' if layer < 0 else ('a' if found.kind == 'a' else 'p')}"
            entry = maps.setdefault(key, {"values": [], "gradients": []})
            entry["values"].append(_nested(found.symbols, numbers.value))
            entry["gradients"].append(_nested(found.symbols, numbers.gradient))
        data: dict[str, Any] = {
            "title": spec.title,
            "input_shape": list(spec.input_shape),
            "layers": [_layer_json(layer) for layer in spec.layers],
            "loss_function": spec.loss,
            "reduction": spec.reduction,
            "weight_init": spec.weight_init,
            "loss": numbers.loss,
            "parameters": {
                name: {"value": net.leaf_values[symbol], "gradient": numbers.gradient(symbol)}
                for name, symbol in net.parameters.items()
            },
            "gradient_tensors": {
                key: _reshape([numbers.parameter_gradients[n] for n in _names(key, shape)], shape)
                for key, shape in spec.tensors
            },
            "input_gradients": [
                _nested(net.maps[(sample, 0)].symbols, numbers.gradient)
                for sample in range(len(spec.inputs))
            ],
            "maps": maps,
        }
        if self.weights:
            data["derived"] = {
                net.names[symbol]: _terms(net, numbers, symbol) for symbol in self.weights
            }
        if self.check is not None:
            check = self.check
            data["check"] = {
                "dtype": check.dtype,
                "torch_version": check.version,
                "passed": check.passed,
                "loss_torch": check.loss_torch,
                "torch": {name: reference for name, _, reference in check.parameters},
                "torch_inputs": {name: reference for name, _, reference in check.inputs},
                "largest_torch_difference": check.torch_error,
                "central_differences": {name: d for name, _, d, _ in check.differences},
                "at_kink": [name for name, _, _, why in check.differences if why == "kink"],
            }
            lost = [name for name, _, _, why in check.differences if why == "rounding"]
            if lost:  # the step below the loss's resolution: symbp held to torch alone there
                data["check"]["fd_not_applicable_below_resolution"] = lost
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def __repr__(self) -> str:
        return f"<ConvResult L = {self.loss:.10g}, {len(self.gradients)} gradients>"


def _names(key: str, shape: tuple[int, ...]) -> list[str]:
    from symbp.core.conv_spec import element_name, tensor_indices

    return [element_name(key, index) for index in tensor_indices(shape)]


def _reshape(flat: list[float], shape: tuple[int, ...]) -> Any:
    if len(shape) == 1:
        return flat
    step = len(flat) // shape[0]
    return [_reshape(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def _nested(symbols: Any, read: Any) -> Any:
    if isinstance(symbols, tuple):
        return [_nested(item, read) for item in symbols]
    return read(symbols)


def _terms(net: ConvNet, numbers: ConvNumbers, symbol: sp.Symbol) -> list[dict[str, Any]]:
    """Every term of a parameter's sum: through which node, the upstream and local values."""
    import sympy as sp

    found = []
    for use in net.sweep.gradient(symbol).uses:
        upstream = numbers.gradient(use.user)
        local = numbers.at(use.local)
        multiplies = net.names[use.local] if isinstance(use.local, sp.Symbol) else str(use.local)
        found.append(
            {
                "through": net.names[use.user],
                "upstream": upstream,
                "multiplies": multiplies,
                "local": local,
                "term": upstream * local,
            }
        )
    return found


def _layer_json(layer: Any) -> dict[str, Any]:
    from dataclasses import asdict

    data = {"name": layer.name, **asdict(layer)}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


def load(spec: str | Path | Mapping[str, Any] | ConvSpec) -> ConvSpec:
    """A ConvSpec from a file, a parsed mapping, or itself."""
    from symbp.core.conv_spec import ConvSpec, conv_spec_from_mapping, load_conv_spec

    if isinstance(spec, ConvSpec):
        return spec
    if isinstance(spec, Mapping):
        return conv_spec_from_mapping(spec)
    if isinstance(spec, str | Path):
        return load_conv_spec(spec)
    raise SymbpError(
        f"a convolutional spec is a path, a mapping or a ConvSpec, not {type(spec).__name__}"
    )


def derive(
    spec: str | Path | Mapping[str, Any] | ConvSpec,
    *,
    weights: Sequence[str] = (),
    wrt: Sequence[str] = (),
    every: bool = False,
    check: bool = True,
    dtype: str = "float64",
    lang: str = "en",
    digits: int = 4,
    pending: Pending | None = None,
    table: bool = False,
) -> ConvResult:
    """A convolutional network's gradients by the general sweep, with the derivation of each of
    `weights` (conv1_w[0,0,1,2]) and of each node of `wrt` (`x` for the whole input gradient,
    x[0,1,2] for one pixel), checked against torch (in `pending` when the caller started it);
    `table`: the check lists every parameter (symbp check)."""
    from symbp.content.conv_words import conv_words

    conv_words(lang)  # an unknown language fails before any work
    if not 1 <= digits <= 15:
        raise SymbpError("digits must be between 1 and 15")
    if dtype not in ("float64", "float32"):
        raise SymbpError(f"unknown dtype {dtype!r} (known: float64, float32)")
    conv_spec = load(spec)
    if check and pending is None:
        from symbp.torchcheck.worker import torch_installed

        if torch_installed():  # else central differences alone, said in `notice`
            from symbp.torchcheck.conv_model import start

            pending = start(conv_spec, dtype)
    try:
        from symbp.core.conv import ConvNet

        net = ConvNet(conv_spec)
        chosen = tuple(net.parameter_symbol(name) for name in weights)
        nodes = tuple(None if name.strip() == "x" else net.symbol(name) for name in wrt)
        numbers = net.evaluate()
        found = fallback = None
        if pending is not None and check:
            from symbp.torchcheck.conv_check import conv_check

            found = conv_check(numbers, pending.result(), dtype)
        elif check:
            from symbp.torchcheck.conv_check import finite_differences_only

            fallback = finite_differences_only(numbers)
    finally:
        if pending is not None:
            pending.cancel()
    return ConvResult(net, numbers, found, chosen, nodes, every, lang, digits, table, fallback)


def conv(
    spec: str | Path | Mapping[str, Any] | ConvSpec,
    weights: Sequence[str] = (),
    **options: Any,
) -> ConvResult:
    """`symbp.conv(spec, ["conv1_w[0,0,1,2]"])`: derive (see `derive`) from a path or a mapping."""
    return derive(spec, weights=weights, **options)
