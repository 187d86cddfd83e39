"""What `symbp.rnn(...)`, `symbp derive` and `symbp check` on a recurrent network's spec return:
the derivation through time with its numbers as attributes, rendered in every format (JSON:
every node's value, every gradient, each shared weight's terms by step, the check).

    result = symbp.rnn("prachub.toml")          # or a mapping of the spec's keys, or an RnnSpec
    result.loss, result.gradients["W_hh[0,0]"], result.passed
    result.values["h_2[0]"]                     # any node by its plain name
    result.step_terms("W_hh[0,0]")              # [(sequence, step, term), …]
    result.render("latex"); result.handout().write("bptt.html")
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from symbp.api.results import CheckedResult, Handout
from symbp.content.rnn import rnn_blocks
from symbp.content.rnn_words import rnn_labels
from symbp.core.rnn import RnnDerivation, derive_rnn, fast_code
from symbp.core.rnn_spec import RnnSpec, load_rnn_spec, rnn_spec_from_mapping
from symbp.errors import SymbpError

if TYPE_CHECKING:
    import sympy as sp

    from symbp.content.blocks import Block
    from symbp.torchcheck.results import FiniteDifferenceCheck
    from symbp.torchcheck.rnn_check import RnnCheck
    from symbp.torchcheck.rnn_model import Worker


class RnnResult(CheckedResult):
    """A recurrent network derived through time: `loss`, `gradients` and `values` by plain name,
    `passed` (nn.RNN, the torch loop and central differences agree, when the check ran)."""

    def __init__(
        self,
        derivation: RnnDerivation,
        check: RnnCheck | None,
        weights: tuple[sp.Symbol, ...] | None = None,
        lang: str = "en",
        digits: int = 4,
        only_check: bool = False,
        fallback: FiniteDifferenceCheck | None = None,
    ) -> None:
        self.derivation = derivation
        #: without torch: the gradients against central differences only
        self.fallback = fallback
        self.spec: RnnSpec = derivation.spec
        self.check = check
        self.weights = weights
        self.lang = lang
        self.digits = digits
        #: render the check alone (symbp check), not the derivation
        self.only_check = only_check

    @property
    def loss(self) -> float:
        return self.derivation.loss

    @property
    def gradients(self) -> dict[str, float]:
        """∂L/∂p for every weight and bias entry ("W_hh[0,1]", "b_ih[0]"), in parameter order."""
        return self.derivation.parameter_gradients

    @property
    def values(self) -> dict[str, float]:
        """Every node's value by plain name (x_1[0], h_0[0], z_1[0], h_1[0], o_1[0], L, …)."""
        names = self.derivation.model.names
        return {names[s]: v for s, v in self.derivation.values.items()}

    @property
    def node_gradients(self) -> dict[str, float]:
        """∂L/∂node for every node but the targets, by plain name."""
        names = self.derivation.model.names
        return {names[s]: v for s, v in self.derivation.gradients.items()}

    def gradient(self, name: str) -> float:
        return self.derivation.gradient(self.derivation.model.symbol(name))

    def step_terms(self, name: str) -> list[tuple[int, int, float]]:
        """A node's gradient as the sweep sums it: (sequence from 1, step, term) per use."""
        symbol = self.derivation.model.symbol(name)
        return [(t.sequence + 1, t.step, t.value) for t in self.derivation.step_terms(symbol)]

    def title(self) -> str:
        return self.spec.title or rnn_labels(self.lang)["rnn_title"]

    def blocks(self) -> tuple[Block, ...]:
        if self.only_check and self.check is not None:
            from symbp.content.rnn import rnn_check_blocks

            return rnn_check_blocks(
                self.derivation, self.check, self.lang, self.digits, self.title()
            )
        return rnn_blocks(
            self.derivation, self.lang, self.digits, self.check, self.weights, self.title()
        )

    def handout(self, title: str | None = None, paper: str = "a4") -> Handout:
        """The derivation as a handout document (write it to .html, .tex or .md)."""
        from symbp.content.blocks import Document, Heading, text
        from symbp.formats.page import paper as known_paper

        known_paper(paper)
        shown = title or self.title()
        blocks = rnn_blocks(
            self.derivation, self.lang, self.digits, self.check, self.weights, shown
        )
        # the title heads the page as a dense handout's does (level 1, not the section's 2)
        titled = (Heading(text(shown), 1), *blocks[1:])
        document = Document(shown, self.lang, titled)
        if self.check is None:  # made without torch's check: it says so
            from symbp.content.handout import said_unchecked

            document = said_unchecked(document)
        return Handout(document, self.passed, paper)

    def to_json(self) -> str:
        derivation = self.derivation
        model = derivation.model
        names = model.names
        nodes = []
        for symbol, node in model.graph.nodes.items():
            place = model.places[symbol]
            nodes.append(
                {
                    "name": names[symbol],
                    "kind": place.kind,
                    "op": node.op,
                    "sequence": place.sequence + 1,
                    "step": place.step,
                    "inputs": [names[s] for s in node.inputs],
                    "formula": "" if node.definition is None else fast_code(node.definition, names),
                    "value": derivation.values[symbol],
                    "gradient": derivation.gradients.get(symbol),
                }
            )
        shared = {
            name: [
                {
                    "sequence": t.sequence + 1,
                    "step": t.step,
                    "upstream": t.upstream,
                    "local": t.local_value,
                    "term": t.value,
                }  # fmt: skip
                for t in derivation.step_terms(symbol)
            ]
            for name, symbol in model.parameters.items()
        }
        data: dict[str, object] = {
            "title": self.spec.title,
            "kind": "rnn",
            "layers": [
                self.spec.n_inputs,
                {"rnn": self.spec.n_hidden, "activation": self.spec.cell_activation},
                {"dense": self.spec.n_outputs, "activation": self.spec.output_activation},
            ],
            "loss_function": self.spec.loss,
            "reduction": self.spec.reduction,
            "target_steps": self.spec.target_steps,
            "loss": derivation.loss,
            "gradients": derivation.parameter_gradients,
            "step_terms": shared,
            "nodes": nodes,
        }
        if self.check is not None:
            check = self.check
            data["check"] = {
                "dtype": check.dtype,
                "passed": check.passed,
                "nn_rnn": check.nn_rnn or None,
                "torch_loop": check.loop,
                "central_differences": check.differences,
                "loss": {"nn_rnn": check.nn_rnn_loss, "torch_loop": check.loop_loss},
                "at_kink": check.at_kink,
            }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def __repr__(self) -> str:
        return f"<RnnResult L = {self.loss:.10g}>"


def read_rnn(spec: RnnSpec | Mapping[str, Any] | str | Path) -> RnnSpec:
    """An RnnSpec from itself, a mapping of a spec's keys, or a spec file."""
    if isinstance(spec, RnnSpec):
        return spec
    if isinstance(spec, Mapping):
        return rnn_spec_from_mapping(spec, "spec")
    if isinstance(spec, str | Path):
        found = load_rnn_spec(spec)
        if found is None:
            raise SymbpError(
                f"{str(spec)!r} is not a recurrent network's spec (its layers need a table "
                "{ rnn = n_hidden })"
            )
        return found
    raise TypeError(f"spec must be an RnnSpec, a mapping or a path, not {type(spec).__name__}")


def selected_weights(derivation: RnnDerivation, names: Sequence[str]) -> tuple[sp.Symbol, ...]:
    """The parameters `names` picks: entries (W_hh[0,1]) or whole matrices (W_hh, b_ih)."""
    model = derivation.model
    found: list[sp.Symbol] = []
    for name in names:
        text = "".join(name.split())
        if model.matrix_name(text) is not None:
            found += model.matrix(text)
        else:
            found.append(model.parameter(text))
    return tuple(dict.fromkeys(found))


def derive(
    spec: RnnSpec | Mapping[str, Any] | str | Path,
    *,
    weights: Sequence[str] | None = None,
    check: bool = True,
    dtype: str = "float64",
    lang: str = "en",
    digits: int = 4,
    worker: Worker | None = None,
    only_check: bool = False,
) -> RnnResult:
    """A recurrent network derived through time and checked against nn.RNN, a torch loop and
    central differences (in `worker` when the caller started one early)."""
    rnn_labels(lang)  # an unknown language fails before any work
    if not 1 <= digits <= 15:
        raise SymbpError("digits must be between 1 and 15")
    if dtype not in ("float64", "float32"):
        raise SymbpError(f"unknown dtype {dtype!r} (known: float64, float32)")
    read = read_rnn(spec)
    from symbp.torchcheck.worker import torch_installed

    pending = None
    if check and torch_installed():  # torch starts in a worker while sympy derives here
        from symbp.torchcheck.rnn_model import start

        pending = start(read, dtype, worker)
    try:
        derivation = derive_rnn(read)
        shown = None if weights is None else selected_weights(derivation, weights)
        found = fallback = None
        if check and pending is None:  # without torch: central differences, said in `notice`
            from symbp.torchcheck.rnn_check import finite_differences_only

            fallback = finite_differences_only(derivation)
        if pending is not None:
            from symbp.torchcheck.rnn_check import check_rnn

            found = check_rnn(derivation, dtype, pending)
    finally:
        if pending is not None:
            pending.cancel()
    return RnnResult(derivation, found, shown, lang, digits, only_check, fallback)


def rnn(
    spec: RnnSpec | Mapping[str, Any] | str | Path,
    *,
    weights: Sequence[str] | None = None,
    check: bool = True,
    dtype: str = "float64",
    lang: str = "en",
    digits: int = 4,
) -> RnnResult:
    """`symbp.rnn(spec)`: a recurrent network (a spec file, a mapping of its keys or an RnnSpec)
    derived through time and checked."""
    return derive(spec, weights=weights, check=check, dtype=dtype, lang=lang, digits=digits)
