"""The torch model: the spec's network built directly in torch, differentiated by autograd.

The only place with the torch check's torch code, imported by the worker process (or by this
process when it has torch loaded already). torch is imported inside the functions that need it,
so that importing this module costs nothing. The model is built from the spec (weight matrices
filled by the numbering convention), not from symbp's sympy graph, so that it checks the
derivation rather than repeating it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from symbp.core.operations import (
    BCE,
    CROSS_ENTROPY,
    OUTPUT,
    activation_info,
    loss_info,
)
from symbp.core.spec import NetworkSpec, layer_owners, unit_name
from symbp.torchcheck.results import TorchGradients


@dataclass
class _TorchNetwork:
    """The spec's network as torch modules: nn.Linear layers, activation modules, a loss module."""

    linears: list[Any]  # nn.Linear per layer (its own bias when a layer's biases are alike)
    #: per layer, a tensor added to the pre-activations, or None: a layer's shared bias (0-d),
    #: or its units' biases stacked from scalars when only some of them are trainable
    extra_biases: list[Any]
    #: per bias (spec order): where its value lives, (tensor, index or None for a scalar)
    bias_slots: list[tuple[Any, int | None]]
    activations: list[Any]  # one module per layer; the output's is skipped for logit losses
    loss: Any  # a callable (outputs or logits, targets) -> loss
    logits_loss: bool  # the loss takes the output pre-activations (BCEWithLogits, CrossEntropy)
    inputs: Any  # (samples, inputs)
    targets: Any  # (samples, outputs), or class indices
    scalar_biases: list[Any]  # the 0-d bias tensors that torch.optim updates directly
    #: regularization: the factor of Σp² added to the batch's loss (½λ or λ),
    #: and which tensors it squares (weights, and the trainable biases with biases = true)
    l2_factor: float = 0.0
    penalized: tuple[Any, ...] = ()
    #: dropout: per weight layer, the tensor (samples, units) of mask/keep_prob its output
    #: activation is multiplied by (inverted dropout with the spec's masks), or None
    dropout_scales: list[Any] | None = None

    def activate(self, layer: int, pre: Any) -> Any:
        """The activation of weight layer `layer`, times mask/keep_prob where units drop out."""
        activation = self.activations[layer](pre)
        scale = None if self.dropout_scales is None else self.dropout_scales[layer]
        return activation if scale is None else activation * scale

    def pre_activation(self, layer: int, activation: Any) -> Any:
        pre = self.linears[layer](activation)
        extra = self.extra_biases[layer]
        return pre if extra is None else pre + extra()

    def forward(self) -> Any:
        return self._data_loss() + self.penalty()

    def penalty(self) -> Any:
        """The L2 penalty written into L (0 without regularization)."""
        if not self.l2_factor:
            return 0.0
        return self.l2_factor * sum((tensor**2).sum() for tensor in self.penalized)

    def _data_loss(self) -> Any:
        activation = self.inputs
        last = len(self.linears) - 1
        for layer in range(len(self.linears)):
            pre = self.pre_activation(layer, activation)
            if layer == last and self.logits_loss:
                return self.loss(pre, self.targets)
            activation = self.activate(layer, pre)
        return self.loss(activation, self.targets)

    def trainable(self, spec: NetworkSpec) -> list[Any]:
        """torch.optim's parameter list (weights, then the trainable biases)."""
        linears = list({id(linear): linear for linear in self.linears}.values())  # tied once
        found = [linear.weight for linear in linears]
        found += [
            linear.bias
            for linear in linears
            if linear.bias is not None and linear.bias.requires_grad
        ]
        found += [bias for bias in self.scalar_biases if bias.requires_grad]
        return found

    def flat_values(self, spec: NetworkSpec, gradients: bool) -> tuple[float, ...]:
        """Values (or gradients) in symbp's parameter order: numbering order, then biases."""
        return self.flat(spec, lambda tensor: tensor.grad if gradients else tensor.detach())

    def unflat(self, spec: NetworkSpec, values: Sequence[float]) -> dict[Any, Any]:
        """For every trainable tensor, a tensor of its shape holding `values` (symbp's parameter
        order) where `flat` reads them: the inverse of flat."""
        import torch

        made: dict[Any, Any] = {}
        position = 0
        for layer, (rows, columns) in _edge_indices(spec).items():
            weight = self.linears[layer - 1].weight
            held = made.setdefault(weight, torch.zeros_like(weight.detach()))
            count = len(rows)
            chunk = torch.tensor(values[position : position + count], dtype=weight.dtype)
            held[rows, columns] = chunk
            position += count
        for (tensor, index), trainable in zip(
            self.bias_slots, spec.bias_trainable_flags, strict=True
        ):
            if trainable:
                held = made.setdefault(tensor, torch.zeros_like(tensor.detach()))
                if index is None:
                    held.fill_(values[position])
                else:
                    held[index] = values[position]
                position += 1
        return made

    def flat(self, spec: NetworkSpec, read: Any) -> tuple[float, ...]:
        """read(tensor) for every parameter tensor, in symbp's parameter order."""
        # one gather per layer (a layer's weights are consecutive in every numbering): indexing
        # 20,000 tensor elements one by one took a second
        values: list[float] = []
        for layer, (rows, columns) in _edge_indices(spec).items():
            matrix = read(self.linears[layer - 1].weight).detach().numpy()
            values += [float(v) for v in matrix[rows, columns]]
        for (tensor, index), trainable in zip(
            self.bias_slots, spec.bias_trainable_flags, strict=True
        ):
            if trainable:
                value = read(tensor)
                values.append(float(value if index is None else value[index]))
        return tuple(values)


def _build(spec: NetworkSpec, dtype: str, parameters: Sequence[float] | None) -> _TorchNetwork:
    import torch
    from torch import nn

    torch_dtype = {"float64": torch.float64, "float32": torch.float32}[dtype]
    values = list(spec.parameters if parameters is None else parameters)
    n_weights = len(spec.weights)
    flags = spec.bias_trainable_flags
    given = iter(values[n_weights:])
    biases = [
        next(given) if flag else fixed for flag, fixed in zip(flags, spec.bias_values, strict=True)
    ]
    # a layer's per-unit biases live in nn.Linear's own bias when they are all trainable or
    # all fixed; when only some are, each is its own scalar so that torch.optim skips the rest
    # a tied layer is its owner's nn.Linear itself, called again (its biases are the owner's)
    owners = layer_owners(len(spec.layers), spec.tied_layers)
    offsets = [0]
    for layer, size in enumerate(spec.layers[1:], start=1):
        offsets.append(offsets[-1] + (size if owners[layer] == layer else 0))
    linear_bias = [
        spec.bias == "per-unit" and len(set(flags[offsets[i] : offsets[i + 1]])) == 1
        for i in range(len(spec.layers) - 1)
    ]
    linears: list[Any] = []
    for layer in range(1, len(spec.layers)):
        if owners[layer] != layer:
            linears.append(linears[owners[layer] - 1])
            continue
        linears.append(
            nn.Linear(
                spec.layers[layer - 1],
                spec.layers[layer],
                bias=linear_bias[layer - 1],
                dtype=torch_dtype,
            )
        )
    with torch.no_grad():
        import numpy as np

        start = 0
        for layer, (rows, columns) in _edge_indices(spec).items():
            matrix = np.zeros((spec.layers[layer], spec.layers[layer - 1]))
            matrix[rows, columns] = values[start : start + len(rows)]
            start += len(rows)
            linears[layer - 1].weight.copy_(torch.tensor(matrix, dtype=torch_dtype))
    extra: list[Any] = [None] * len(linears)
    slots: list[tuple[Any, int | None]] = []
    scalars: list[Any] = []

    def scalar(value: float, trainable: bool) -> Any:
        tensor = torch.tensor(value, dtype=torch_dtype, requires_grad=trainable)
        scalars.append(tensor)
        return tensor

    if spec.bias == "per-layer":
        for layer, (value, trainable) in enumerate(zip(biases, flags, strict=True)):
            tensor = scalar(value, trainable)
            extra[layer] = lambda tensor=tensor: tensor
            slots.append((tensor, None))
    elif spec.bias == "per-unit":
        for layer, linear in enumerate(linears):
            start, stop = offsets[layer], offsets[layer + 1]
            if owners[layer + 1] != layer + 1:
                extra[layer] = extra[owners[layer + 1] - 1]
                continue
            if linear.bias is not None:
                with torch.no_grad():
                    linear.bias.copy_(torch.tensor(biases[start:stop], dtype=torch_dtype))
                linear.bias.requires_grad_(flags[start])
                slots += [(linear.bias, j) for j in range(stop - start)]
                continue
            units = [scalar(biases[k], flags[k]) for k in range(start, stop)]
            extra[layer] = lambda units=units: torch.stack(units)
            slots += [(unit, None) for unit in units]

    inputs = torch.tensor([list(x) for x, _ in spec.samples], dtype=torch_dtype)
    logits_loss = loss_info(spec.loss).cancels_with != ""
    if spec.target_classes is not None:
        targets = torch.tensor(list(spec.target_classes), dtype=torch.long)
    else:
        targets = torch.tensor([list(y) for _, y in spec.samples], dtype=torch_dtype)
    built = _TorchNetwork(
        linears=linears,
        extra_biases=extra,
        bias_slots=slots,
        activations=[_torch_activation(name, spec) for name in spec.activations],
        loss=_torch_loss(
            spec.loss,
            spec.reduction,
            len(spec.samples),
            spec.layers[-1],
            spec.objective_indices,
            spec.loss_parameter,
        ),
        logits_loss=logits_loss,
        inputs=inputs,
        targets=targets,
        scalar_biases=scalars,
    )
    if spec.dropout is not None:
        built.dropout_scales = [None] * len(linears)
        for layer, keep, masks in zip(
            spec.dropout.layers, spec.dropout.keep_prob, spec.dropout.masks, strict=True
        ):
            mask = torch.tensor([list(m) for m in masks], dtype=torch_dtype)
            built.dropout_scales[layer - 1] = mask / keep
    if spec.l2:
        # torch's L is the whole batch's: the penalty joins it once
        built.l2_factor = spec.l2 * (1.0 if spec.l2_full else 0.5)
        weights = list({id(lin.weight): lin.weight for lin in built.linears}.values())
        tensors = built.trainable(spec)
        built.penalized = tuple(tensors if spec.l2_biases else weights)
    return built


def _edge_indices(spec: NetworkSpec) -> dict[int, tuple[list[int], list[int]]]:
    """Per layer, the (target, source) index of each of its weights, in numbering order (the
    weights of a layer are consecutive in every numbering)."""
    found: dict[int, tuple[list[int], list[int]]] = {}
    for edge in spec.edges:
        targets, sources = found.setdefault(edge.layer, ([], []))
        targets.append(edge.target)
        sources.append(edge.source)
    return found


def torch_loss_and_gradients(
    spec: NetworkSpec,
    dtype: str = "float64",
    weights: Sequence[float] | None = None,
) -> TorchGradients:
    """L and ∂L/∂p for every parameter (weights in numbering order, then trainable biases) by
    torch autograd, over all the spec's samples; and torch's version."""
    import torch

    network = _build(spec, dtype, weights)
    loss = network.forward()
    loss.backward()
    return TorchGradients(
        float(loss.item()), network.flat_values(spec, gradients=True), torch.__version__
    )


def torch_unit_gradients(
    spec: NetworkSpec, dtype: str = "float64", weights: Sequence[float] | None = None
) -> dict[str, tuple[float, ...]]:
    """∂L/∂a for every unit (x1, h1, o1, …) by torch autograd, one value per sample.

    Each value is of the sample's own loss, as symbp's Evaluation.unit_gradients are: torch
    differentiates the reduced loss, so a mean over N samples is scaled back by N. Where the
    loss module takes logits (BCEWithLogits, CrossEntropy) the outputs' gradients come from
    the same loss on the probabilities (nn.BCELoss, nn.NLLLoss of their log).
    """
    import torch

    network = _build(spec, dtype, weights)
    inputs = network.inputs.clone().requires_grad_(True)
    recorded = [inputs]
    activation = inputs
    for layer in range(len(network.linears)):
        activation = network.activate(layer, network.pre_activation(layer, activation))
        activation.retain_grad()
        recorded.append(activation)
    loss = _probability_loss(spec, activation, network.targets)
    loss.backward()
    scale = len(spec.samples) if spec.reduction == "mean" else 1
    found: dict[str, tuple[float, ...]] = {}
    for layer, tensor in enumerate(recorded):
        grad = tensor.grad if tensor.grad is not None else torch.zeros_like(tensor)
        for index in range(spec.layers[layer]):
            name = unit_name(layer, index, len(spec.layers))
            found[name] = tuple(float(v) * scale for v in grad[:, index])
    return found


def _probability_loss(spec: NetworkSpec, outputs: Any, targets: Any) -> Any:
    """The spec's loss on the output activations (not logits), so that ∂L/∂o exists."""
    import torch
    from torch import nn

    n_samples, n_outputs = len(spec.samples), spec.layers[-1]
    if spec.loss == BCE.name:
        if spec.reduction == "mean":
            return nn.BCELoss()(outputs, targets)
        return nn.BCELoss(reduction="sum")(outputs, targets) / n_outputs
    if spec.loss == CROSS_ENTROPY.name:
        log_outputs = torch.log(outputs)
        if spec.target_classes is not None:
            return nn.NLLLoss(reduction=spec.reduction)(log_outputs, targets)
        per_sample = -(targets * log_outputs).sum(dim=1)
        return per_sample.mean() if spec.reduction == "mean" else per_sample.sum()
    # the loss's own number (huber's delta, hinge's margin), as _build passes it
    module = _torch_loss(
        spec.loss,
        spec.reduction,
        n_samples,
        n_outputs,
        spec.objective_indices,
        spec.loss_parameter,
    )
    return module(outputs, targets)


def _torch_activation(name: str, spec: NetworkSpec) -> Any:
    """torch.nn's module for the activation, with the spec's parameter (LeakyReLU's slope)."""
    from torch import nn

    info = activation_info(name)
    arguments: dict[str, Any] = {}
    if info.parameter is not None:
        arguments[info.parameter.key] = spec.parameter(info.parameter.key)
    if not info.elementwise:  # a layer's units are the features, dim 1
        arguments["dim"] = 1
    return getattr(nn, info.torch_module)(**arguments)


def _torch_loss(
    name: str,
    reduction: str,
    n_samples: int,
    n_outputs: int,
    objective: tuple[int, ...] = (),
    parameter: float | str | None = None,
) -> Any:
    """torch's own loss module, scaled to symbp's definition and reduction over samples."""
    from torch import nn

    per_samples = 1.0 / n_samples if reduction == "mean" else 1.0
    info = loss_info(name)
    if info.torch_module:  # the table says how torch's summed loss relates to symbp's L
        arguments: dict[str, Any] = {"reduction": "sum"}
        if info.parameter is not None:
            arguments[info.parameter.key] = parameter
        module = getattr(nn, info.torch_module)(**arguments)
        scale = info.torch_factor * per_samples * float(n_outputs) ** info.torch_outputs_power
        return lambda outputs, targets: scale * module(outputs, targets)
    if name == OUTPUT.name:  # the objective is output `objective` itself, summed over samples
        return lambda outputs, targets: per_samples * outputs[:, list(objective)].sum()
    raise ValueError(f"no torch loss for {name!r}")
