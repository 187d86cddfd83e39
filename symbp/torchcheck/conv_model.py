"""torch autograd on a convolutional spec: nn.Conv2d, MaxPool2d, AvgPool2d, Flatten, Linear and
the table's activation modules, built from the spec (never from symbp's graph), here or in a
worker process started before sympy loads, as the circuit check does.

    pending = start(spec)        # returns at once (or computes at once if torch is loaded)
    answer = pending.result()    # ConvTorchAnswer, or SymbpError

Central differences run here too, on torch's float64 forward pass: for every parameter when
there are at most MAX_DIFFERENCES, else for MAX_DIFFERENCES of them spread evenly over the
parameter order. Neither this module nor what it imports loads sympy.
"""

from __future__ import annotations

import math
import sys
from typing import Any, NamedTuple

from symbp.core.conv_spec import ConvLayer, ConvSpec, DenseLayer, FlattenLayer, PoolLayer
from symbp.core.operations import MAX, activation_info, loss_info
from symbp.torchcheck.loss_script import loss_expression
from symbp.torchcheck.pending import Pending, launch, send, serve

#: the most parameters central differences are taken for (two forward passes each)
MAX_DIFFERENCES = 300
#: the step of a central difference, relative to max(1, |p|)
STEP = 1e-6


class ConvTorchAnswer(NamedTuple):
    """L, ∂L/∂p in the spec's parameter order, ∂L/∂x of every sample (flat [C][H][W]), the
    central differences {parameter position: value} and torch's version."""

    loss: float
    parameter_gradients: tuple[float, ...]
    input_gradients: tuple[tuple[float, ...], ...]
    differences: tuple[tuple[int, float], ...]
    version: str


def build_model(spec: ConvSpec, dtype: str = "float64") -> tuple[Any, list[Any], Any]:
    """The network as an nn.Sequential (the last activation left out where the loss takes
    logits), its parameter tensors in the spec's order, and the last activation module."""
    import torch
    from torch import nn

    kind = getattr(torch, dtype)
    modules: list[Any] = []
    tensors: list[Any] = []
    flat = False
    logits = loss_info(spec.loss).cancels_with != ""
    last_activation: Any = None
    for position, layer in enumerate(spec.layers):
        last = position == len(spec.layers) - 1
        module: Any
        if isinstance(layer, ConvLayer):
            module = nn.Conv2d(
                layer.in_shape[0],
                layer.filters,
                layer.kernel,
                stride=layer.stride,
                padding=layer.padding,
                bias=layer.bias,
                dtype=kind,
            )
            activation = _activation(layer.activation, spec)
        elif isinstance(layer, PoolLayer):
            pool = nn.MaxPool2d if layer.kind == MAX.name else nn.AvgPool2d
            modules.append(pool(layer.size, stride=layer.stride))
            continue
        elif isinstance(layer, FlattenLayer):
            modules.append(nn.Flatten())
            flat = True
            continue
        else:
            assert isinstance(layer, DenseLayer)
            if not flat:
                modules.append(nn.Flatten())
                flat = True
            module = nn.Linear(layer.inputs, layer.outputs, bias=layer.bias, dtype=kind)
            activation = _activation(layer.activation, spec)
        with torch.no_grad():
            module.weight.copy_(
                torch.tensor(spec.values(f"{layer.name}_w"), dtype=kind).reshape(
                    module.weight.shape
                )
            )
            tensors.append(module.weight)
            if module.bias is not None:
                module.bias.copy_(torch.tensor(spec.values(f"{layer.name}_b"), dtype=kind))
                tensors.append(module.bias)
        modules.append(module)
        if last and logits:
            last_activation = activation
        else:
            modules.append(activation)
    if not flat:
        modules.append(nn.Flatten())
    return nn.Sequential(*modules), tensors, last_activation


def _activation(name: str, spec: ConvSpec) -> Any:
    from torch import nn

    info = activation_info(name)
    arguments: dict[str, Any] = {}
    if info.parameter is not None:
        arguments[info.parameter.key] = spec.parameter(info.parameter.key)
    if not info.elementwise:
        arguments["dim"] = 1
    return getattr(nn, info.torch_module)(**arguments)


def _loss_function(spec: ConvSpec, dtype: str) -> Any:
    """(outputs, or logits where the loss takes them) -> L, torch's loss scaled to symbp's."""
    import torch

    from symbp.torchcheck.model import _torch_loss

    kind = getattr(torch, dtype)
    module = _torch_loss(
        spec.loss,
        spec.reduction,
        len(spec.inputs),
        spec.output_size,
        spec.objective,
        spec.loss_parameter,
    )
    if spec.target_classes is not None:
        targets = torch.tensor(list(spec.target_classes), dtype=torch.long)
    else:
        targets = torch.tensor([list(t) for t in spec.targets], dtype=kind)
    return lambda outputs: module(outputs, targets)


def torch_conv_check(spec: ConvSpec, dtype: str = "float64") -> ConvTorchAnswer:
    """L and every gradient by torch autograd, and central differences of torch's forward."""
    import torch

    kind = getattr(torch, dtype)
    model, tensors, _ = build_model(spec, dtype)
    loss_of = _loss_function(spec, dtype)
    inputs = torch.tensor([list(x) for x in spec.inputs], dtype=kind).reshape(
        len(spec.inputs), *spec.input_shape
    )
    inputs.requires_grad_(True)
    loss = loss_of(model(inputs))
    loss.backward()
    gradients: list[float] = []
    for tensor in tensors:
        gradients += [float(v) for v in tensor.grad.reshape(-1).tolist()]
    assert inputs.grad is not None
    by_input = tuple(tuple(float(v) for v in sample.reshape(-1).tolist()) for sample in inputs.grad)
    differences = _differences(model, tensors, loss_of, inputs.detach(), len(gradients))
    # str: torch's version is a torch class, whose unpickling would import torch here
    return ConvTorchAnswer(
        float(loss.item()), tuple(gradients), by_input, differences, str(torch.__version__)
    )


def _differences(
    model: Any, tensors: list[Any], loss_of: Any, inputs: Any, count: int
) -> tuple[tuple[int, float], ...]:
    import torch

    if count <= MAX_DIFFERENCES:
        chosen = list(range(count))
    else:
        chosen = sorted(
            {round(k * (count - 1) / (MAX_DIFFERENCES - 1)) for k in range(MAX_DIFFERENCES)}
        )
    places: list[tuple[Any, int]] = []
    for tensor in tensors:
        places += [(tensor, i) for i in range(tensor.numel())]
    found = []
    with torch.no_grad():
        for position in chosen:
            tensor, i = places[position]
            flat = tensor.view(-1)
            original = float(flat[i])
            step = STEP * max(1.0, abs(original))
            flat[i] = original + step
            up = float(loss_of(model(inputs)))
            flat[i] = original - step
            down = float(loss_of(model(inputs)))
            flat[i] = original
            found.append((position, (up - down) / (2 * step)))
    return tuple(found)


def torch_script(spec: ConvSpec) -> str:
    """A stand-alone Python script: the spec's network in torch, its loss and every gradient."""
    lines = [
        f"# {spec.title} — exported by symbp: the network in torch, its loss and gradients",
        "import torch",
        "from torch import nn",
        "",
        "torch.set_default_dtype(torch.float64)",
        "model = nn.Sequential(",
    ]
    flat = False
    logits = loss_info(spec.loss).cancels_with != ""
    named: list[tuple[int, str]] = []
    position = 0
    for number, layer in enumerate(spec.layers):
        last = number == len(spec.layers) - 1
        if isinstance(layer, ConvLayer):
            lines.append(
                f"    nn.Conv2d({layer.in_shape[0]}, {layer.filters}, {layer.kernel}, "
                f"stride={layer.stride}, padding={layer.padding}, bias={layer.bias}),"
            )
            named.append((position, layer.name))
            position += 1
            activation = layer.activation
        elif isinstance(layer, PoolLayer):
            pool = "MaxPool2d" if layer.kind == MAX.name else "AvgPool2d"
            lines.append(f"    nn.{pool}({layer.size}, stride={layer.stride}),")
            position += 1
            continue
        elif isinstance(layer, FlattenLayer):
            lines.append("    nn.Flatten(),")
            flat = True
            position += 1
            continue
        else:
            if not flat:
                lines.append("    nn.Flatten(),")
                flat = True
                position += 1
            lines.append(f"    nn.Linear({layer.inputs}, {layer.outputs}, bias={layer.bias}),")
            named.append((position, layer.name))
            position += 1
            activation = layer.activation
        if last and logits:
            continue
        info = activation_info(activation)
        arguments = []
        if info.parameter is not None:
            arguments.append(f"{info.parameter.key}={spec.parameter(info.parameter.key)!r}")
        if not info.elementwise:
            arguments.append("dim=1")
        lines.append(f"    nn.{info.torch_module}({', '.join(arguments)}),")
        position += 1
    if not flat:
        lines.append("    nn.Flatten(),")
    lines.append(")")
    lines.append("with torch.no_grad():")
    for index, name in named:
        weight_shape = list(_shape(spec, f"{name}_w"))
        lines.append(
            f"    model[{index}].weight.copy_(torch.tensor({list(spec.values(name + '_w'))!r})"
            f".reshape({weight_shape}))"
        )
        if f"{name}_b" in dict(spec.tensors):
            lines.append(
                f"    model[{index}].bias.copy_(torch.tensor({list(spec.values(name + '_b'))!r}))"
            )
    samples = [list(x) for x in spec.inputs]
    shape = ", ".join(str(n) for n in (len(samples), *spec.input_shape))
    lines.append(f"x = torch.tensor({samples!r}).reshape({shape})")
    lines.append("x.requires_grad_(True)")
    lines += _script_loss(spec)
    lines += [
        "loss = loss_of(model(x))",
        "loss.backward()",
        'print("L =", loss.item())',
        "for name, parameter in model.named_parameters():",
        '    print(name, "grad", parameter.grad.tolist())',
        'print("dL/dx", x.grad.tolist())',
        "",
    ]
    return "\n".join(lines)


def _shape(spec: ConvSpec, key: str) -> tuple[int, ...]:
    return spec.shape(key)


def _script_loss(spec: ConvSpec) -> list[str]:
    """The loss as torch writes it, with the scale that makes it symbp's L."""
    n_samples, n_outputs = len(spec.inputs), spec.output_size
    per_samples = 1.0 / n_samples if spec.reduction == "mean" else 1.0
    if spec.target_classes is not None:
        targets = f"torch.tensor({list(spec.target_classes)!r})"
    else:
        targets = f"torch.tensor({[list(t) for t in spec.targets]!r})"
    lines = [f"y = {targets}"]
    expression = loss_expression(
        spec.loss,
        parameter=spec.loss_parameter,
        per_samples=per_samples,
        n_outputs=n_outputs,
        outputs="out",
        logits="out",  # the model leaves out an activation its loss takes the logits of
        targets="y",
        objective=spec.objective,
    )
    lines.append(f"loss_of = lambda out: {expression}")
    return lines


def start(spec: ConvSpec, dtype: str = "float64") -> Pending[ConvTorchAnswer]:
    """torch's side of the check: at once when torch is loaded here, else in a worker."""
    if "torch" in sys.modules:
        return Pending(None, torch_conv_check(spec, dtype))
    process = send(launch("symbp.torchcheck.conv_model"), (spec, dtype))
    return Pending(process, decode=lambda payload: ConvTorchAnswer(*payload))


def _answer(job: tuple[ConvSpec, str]) -> tuple[Any, ...]:
    spec, dtype = job
    return tuple(torch_conv_check(spec, dtype))


def isclose(value: float, reference: float, tolerance: float) -> bool:
    """|value − reference| ≤ tolerance · max(1, |reference|) (nan equals nan)."""
    if math.isnan(value) and math.isnan(reference):
        return True
    return abs(value - reference) <= tolerance * max(1.0, abs(reference))


if __name__ == "__main__":
    serve(_answer)
