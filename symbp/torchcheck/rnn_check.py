"""The independent checks of a recurrent network's gradients: torch's nn.RNN, a plain torch
loop, and central differences.

torch builds the network from the spec alone (symbp.torchcheck.rnn_model); central differences
perturb each parameter in the unrolled graph's own forward pass. Neither reads symbp's sweep.
"""

from __future__ import annotations

from dataclasses import dataclass

from symbp.core.operations import activation_info
from symbp.core.rnn import RnnDerivation
from symbp.core.rnn_spec import B_HH, B_IH, B_Y, W_HH, W_HY, W_XH, RnnSpec
from symbp.torchcheck.loss_script import loss_expression
from symbp.torchcheck.pending import Pending
from symbp.torchcheck.results import FiniteDifferenceCheck
from symbp.torchcheck.rnn_model import LOOP, LOSS_KEY, NN_RNN, NN_RNN_ACTIVATIONS, gradients

#: torch float64 against symbp's float64 evaluation of its derivation (relative to max(1, |g|))
TORCH_TOLERANCE = 1e-9
FLOAT32_TOLERANCE = 1e-4
#: central differences (step 1e-6) against symbp
DIFFERENCE_TOLERANCE = 1e-5


@dataclass(frozen=True)
class RnnCheck:
    """Every parameter's gradient by symbp, nn.RNN (empty where nn.RNN lacks the cell's
    activation), a plain torch loop and central differences; and L by each."""

    symbolic: dict[str, float]
    nn_rnn: dict[str, float]
    loop: dict[str, float]
    differences: dict[str, float]
    loss: float
    nn_rnn_loss: float | None
    loop_loss: float
    #: a pre-activation within a step of a kink (relu at 0): central differences not compared
    at_kink: bool = False
    dtype: str = "float64"
    tolerance: float = TORCH_TOLERANCE

    def _agrees(self, found: float, expected: float, tolerance: float) -> bool:
        return abs(found - expected) <= tolerance * max(1.0, abs(expected))

    def torch_agrees(self, name: str) -> bool:
        ok = self._agrees(self.loop[name], self.symbolic[name], self.tolerance)
        if self.nn_rnn:
            ok = ok and self._agrees(self.nn_rnn[name], self.symbolic[name], self.tolerance)
        return ok

    def difference_agrees(self, name: str) -> bool:
        if self.at_kink:
            return True
        return self._agrees(self.differences[name], self.symbolic[name], DIFFERENCE_TOLERANCE)

    @property
    def largest_torch_error(self) -> float:
        sources = [self.loop, *([self.nn_rnn] if self.nn_rnn else [])]
        return max(
            (abs(source[n] - v) for source in sources for n, v in self.symbolic.items()),
            default=0.0,
        )

    @property
    def largest_difference_error(self) -> float:
        return max(
            (abs(self.differences[n] - v) for n, v in self.symbolic.items()),
            default=0.0,
        )

    @property
    def passed(self) -> bool:
        losses = [self.loop_loss, *([self.nn_rnn_loss] if self.nn_rnn_loss is not None else [])]
        if not all(self._agrees(found, self.loss, self.tolerance) for found in losses):
            return False
        return all(
            self.torch_agrees(name) and self.difference_agrees(name) for name in self.symbolic
        )


def _near_kink(derivation: RnnDerivation) -> bool:
    """Whether a pre-activation of a kinked activation (relu) sits within ten steps of 0."""
    model = derivation.model
    spec = model.spec
    kinds = [
        kind
        for kind, name in (("z", spec.cell_activation), ("u", spec.output_activation))
        if activation_info(name).kink
    ]
    return any(
        abs(derivation.values[s]) <= 1e-5
        for s, place in model.places.items()
        if place.kind in kinds and s in derivation.values
    )


def check_rnn(
    derivation: RnnDerivation,
    dtype: str = "float64",
    pending: Pending[dict[str, float]] | None = None,
) -> RnnCheck:
    """symbp's gradients against nn.RNN, the plain loop (the `pending` worker's answer when one
    was started) and central differences."""
    spec = derivation.spec
    found = pending.result() if pending is not None else gradients((spec, dtype))
    symbolic = derivation.parameter_gradients
    by_rnn = {n: found[f"{NN_RNN}:{n}"] for n in symbolic if f"{NN_RNN}:{n}" in found}
    by_loop = {n: found[f"{LOOP}:{n}"] for n in symbolic}
    tolerance = TORCH_TOLERANCE if dtype == "float64" else FLOAT32_TOLERANCE
    return RnnCheck(
        symbolic=symbolic,
        nn_rnn=by_rnn if len(by_rnn) == len(symbolic) else {},
        loop=by_loop,
        differences=derivation.central_differences(),
        loss=derivation.loss,
        nn_rnn_loss=found.get(f"{NN_RNN}:{LOSS_KEY}"),
        loop_loss=found[f"{LOOP}:{LOSS_KEY}"],
        at_kink=_near_kink(derivation),
        dtype=dtype,
        tolerance=tolerance,
    )


def finite_differences_only(derivation: RnnDerivation) -> FiniteDifferenceCheck:
    """Without torch: symbp's gradients against central differences alone (not compared when a
    pre-activation sits at a kink, as in check_rnn)."""
    symbolic = derivation.parameter_gradients
    differences = derivation.central_differences()
    errors = {name: abs(differences[name] - value) for name, value in symbolic.items()}
    agrees = _near_kink(derivation) or all(
        errors[name] <= DIFFERENCE_TOLERANCE * max(1.0, abs(value))
        for name, value in symbolic.items()
    )
    return FiniteDifferenceCheck(agrees, max(errors.values(), default=0.0))


def torch_script(spec: RnnSpec) -> str:
    """A stand-alone torch script (float64): nn.RNN (or, for an activation nn.RNN lacks, the
    plain loop) with the spec's weights, the loss, and every parameter's gradient printed."""
    info = activation_info(spec.cell_activation)
    title = " ".join(spec.title.split())[:200]
    biases = dict(spec.biases)
    lines = [
        f"# {title}",
        "# Written by `symbp export --torch`: the recurrent network in torch, differentiated by",
        "# autograd. float64 throughout. Rows of a sequence are time steps (batch_first).",
        "import torch",
        "from torch import nn",
        "",
        "torch.set_default_dtype(torch.float64)",
        "",
        f"x = torch.tensor({[list(map(list, s)) for s in spec.sequences]!r})  # (S, T, inputs)",
        f"h0 = torch.tensor({[list(s) for s in spec.initial_states]!r})  # (S, hidden)",
    ]
    for name in (W_XH, W_HH, W_HY):
        lines.append(
            f"{name} = torch.tensor({[list(r) for r in spec.weight(name)]!r}, requires_grad=True)"
        )
    for name, values in spec.biases:
        lines.append(f"{name} = torch.tensor({list(values)!r}, requires_grad=True)")
    parameter = ""
    if info.parameter is not None:
        parameter = f"{info.parameter.key}={spec.parameter(info.parameter.key)!r}"
    lines += [
        f"cell = nn.{info.torch_module}({parameter})",
        "",
        "h = h0",
        "states = []",
        f"for t in range({spec.n_steps}):",
        f"    z = x[:, t, :] @ {W_XH}.T + h @ {W_HH}.T"
        + "".join(f" + {b}" for b in (B_IH, B_HH) if b in biases),
        "    h = cell(z)",
        "    states.append(h)",
        "hidden = torch.stack(states, dim=1)  # (S, T, hidden)",
        f"steps = {[t - 1 for t in spec.target_step_indices]!r}  # the steps with a target",
        f"u = hidden[:, steps, :].reshape(-1, {spec.n_hidden}) @ {W_HY}.T"
        + (f" + {B_Y}" if B_Y in biases else ""),
    ]
    lines += _script_loss(spec)
    lines += ["L.backward()", 'print("L =", repr(L.item()))']
    for name in (W_XH, W_HH, W_HY, *biases):
        lines.append(f'print("dL/d{name} =", {name}.grad.tolist())')
    if spec.cell_activation in NN_RNN_ACTIVATIONS:
        lines += _nn_rnn_lines(spec)
    return "\n".join(lines) + "\n"


def _script_loss(spec: RnnSpec) -> list[str]:
    """o = g(u) and L as symbp defines it, torch's own loss modules where they are symbp's."""
    lines = []
    target = "y"
    if spec.target_classes is not None:
        flat = [c for row in spec.target_classes for c in row]
        lines.append(f"y = torch.tensor({flat!r})  # class indices, a row per (sequence, step)")
    elif spec.targets:
        flat_rows = [list(row) for rows in spec.targets for row in rows]
        lines.append(f"y = torch.tensor({flat_rows!r})  # a row per (sequence, step)")
    head = activation_info(spec.output_activation)
    if not head.torch_function:
        lines.append("o = u")
    elif head.parameter is not None:
        value = spec.parameter(head.parameter.key)
        lines.append(f"o = {head.torch_function}(u, {head.parameter.key}={value!r})")
    elif not head.elementwise:
        lines.append(f"o = {head.torch_function}(u, dim=1)")
    else:
        lines.append(f"o = {head.torch_function}(u)")
    n_terms = spec.n_sequences * len(spec.target_step_indices)
    per = 1.0 / n_terms if spec.reduction == "mean" else 1.0
    k = spec.n_outputs
    lines.append(f"# L: symbp's {spec.loss!r}, {spec.reduction} over (sequence, step) rows")
    expression = loss_expression(
        spec.loss,
        parameter=spec.loss_parameter,
        per_samples=per,
        n_outputs=k,
        outputs="o",
        logits="u",
        targets=target,
    )
    lines.append(f"L = {expression}")
    return lines


def _nn_rnn_lines(spec: RnnSpec) -> list[str]:
    biases = dict(spec.biases)
    has_bias = B_IH in biases or B_HH in biases
    lines = [
        "",
        "# torch's own nn.RNN with the same weights: the same hidden states",
        f"rnn = nn.RNN({spec.n_inputs}, {spec.n_hidden}, nonlinearity={spec.cell_activation!r}, "
        f"bias={has_bias}, batch_first=True)",
        "with torch.no_grad():",
        f"    rnn.weight_ih_l0.copy_({W_XH})",
        f"    rnn.weight_hh_l0.copy_({W_HH})",
    ]
    if has_bias:
        for name, attribute in ((B_IH, "bias_ih_l0"), (B_HH, "bias_hh_l0")):
            lines.append(f"    rnn.{attribute}.copy_({name if name in biases else '0'})")
    lines += [
        "out, _ = rnn(x, h0.unsqueeze(0))",
        'print("nn.RNN agrees on the hidden states:", torch.allclose(out, hidden))',
    ]
    return lines
