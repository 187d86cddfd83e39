"""from_torch for convolutional models: an nn.Sequential of nn.Conv2d, nn.MaxPool2d,
nn.AvgPool2d, nn.Flatten, nn.Linear and the table's activation modules, its inputs (N, C, H, W)
and targets, read into a ConvSpec (symbp.core.conv_spec) — the spec symbp.conv derives.

Anything the convolutional spec does not model is refused with one line naming the module: a
Conv2d with groups, dilation, non-square kernels or strides, other padding modes; a pooling
layer with padding, dilation, ceil_mode, or an AvgPool2d that leaves its padding out of the
count; an activation after a pooling layer or a Flatten (symbp attaches activations to conv and
dense layers).
"""

from __future__ import annotations

from typing import Any

from symbp.core.conv_spec import ConvSpec, conv_spec_from_mapping
from symbp.core.operations import IDENTITY, MAX, activation_of_torch_module
from symbp.core.spec import NetworkSpec
from symbp.errors import SymbpError

#: the pooling kinds of a spec, by torch module
_POOLS = {"MaxPool2d": MAX.name, "AvgPool2d": "avg"}


def _square(value: Any, what: str, module: str) -> int:
    if isinstance(value, tuple):
        if len(set(value)) != 1:
            raise SymbpError(
                f"from_torch: {module} with a non-square {what} {value} is not supported"
            )
        value = value[0]
    return int(value)


def from_torch(
    model: Any,
    x: Any,
    y: Any = None,
    loss_fn: Any = None,
    optimizer: Any = None,
    *,
    title: str | None = None,
    dropout_masks: Any = None,
) -> NetworkSpec | ConvSpec:
    """symbp.from_torch: a convolutional model (one holding nn.Conv2d, nn.MaxPool2d,
    nn.AvgPool2d or nn.Flatten) read here into a ConvSpec; any other model by
    symbp.torchcheck.bridge.from_torch into a dense NetworkSpec (see there: every keyword
    of it is taken here and passed on)."""
    from torch import nn

    from symbp.torchcheck import bridge

    kinds = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.Flatten)
    if isinstance(model, nn.Sequential) and any(isinstance(m, kinds) for m in model):
        if optimizer is not None:
            raise SymbpError("from_torch: a convolutional model's optimizer is not read yet")
        if dropout_masks is not None:
            raise SymbpError("from_torch: a convolutional model's dropout is not read yet")
        return conv_from_torch(model, x, y, loss_fn, title)
    return bridge.from_torch(
        model, x, y, loss_fn, optimizer, title=title, dropout_masks=dropout_masks
    )


def conv_from_torch(
    model: Any, x: Any, y: Any = None, loss_fn: Any = None, title: str | None = None
) -> ConvSpec:
    """The ConvSpec of a convolutional nn.Sequential, its inputs x (N, C, H, W or C, H, W),
    targets y and loss module (read as for dense models: symbp.torchcheck.bridge)."""
    from torch import nn

    from symbp.torchcheck.bridge import _loss, _loss_parameter, _parameters

    modules = list(model)
    if x is None:
        raise SymbpError("from_torch: give the inputs x of shape (N, C, H, W)")
    inputs = x.detach().double()
    if inputs.dim() == 3:
        inputs = inputs.unsqueeze(0)
    if inputs.dim() != 4:
        raise SymbpError(f"from_torch: x must be (N, C, H, W), not of shape {tuple(x.shape)}")
    layers: list[Any] = [list(inputs.shape[1:])]
    weights: dict[str, Any] = {}
    biases: dict[str, Any] = {}
    activations: list[Any] = []  # the activation module (or None) of each conv/dense layer
    owners: list[dict[str, Any]] = []  # the layer table each activation belongs to
    for index, module in enumerate(modules):
        kind = type(module).__name__
        number = len(layers)
        if isinstance(module, nn.Conv2d) and type(module) is nn.Conv2d:
            if module.groups != 1 or _square(module.dilation, "dilation", kind) != 1:
                raise SymbpError(
                    f"from_torch: module {index} (Conv2d) with groups or dilation is not supported"
                )
            if module.padding_mode != "zeros" or isinstance(module.padding, str):
                raise SymbpError(f"from_torch: module {index} (Conv2d) needs numeric zero padding")
            table: dict[str, Any] = {
                "conv": module.out_channels,
                "kernel": _square(module.kernel_size, "kernel", kind),
                "stride": _square(module.stride, "stride", kind),
                "padding": _square(module.padding, "padding", kind),
                "bias": module.bias is not None,
            }
            layers.append(table)
            owners.append(table)
            activations.append(None)
            weights[f"conv{number}"] = module.weight.detach().double().tolist()
            if module.bias is not None:
                biases[f"conv{number}"] = module.bias.detach().double().tolist()
        elif kind in _POOLS and type(module) is getattr(nn, kind):
            if _square(module.padding, "padding", kind) != 0 or module.ceil_mode:
                raise SymbpError(
                    f"from_torch: module {index} ({kind}) with padding or ceil_mode is not "
                    "supported"
                )
            if kind == "MaxPool2d" and (
                _square(module.dilation, "dilation", kind) != 1 or module.return_indices
            ):
                raise SymbpError(
                    f"from_torch: module {index} (MaxPool2d) with dilation is not supported"
                )
            if kind == "AvgPool2d" and module.divisor_override is not None:
                raise SymbpError(
                    f"from_torch: module {index} (AvgPool2d) with divisor_override is not supported"
                )
            size = _square(module.kernel_size, "kernel", kind)
            stride = _square(module.stride if module.stride is not None else size, "stride", kind)
            layers.append({"pool": _POOLS[kind], "size": size, "stride": stride})
        elif isinstance(module, nn.Flatten) and type(module) is nn.Flatten:
            if module.start_dim != 1 or module.end_dim != -1:
                raise SymbpError(f"from_torch: module {index} (Flatten) must flatten dims 1 to -1")
            layers.append({"flatten": True})
        elif isinstance(module, nn.Linear) and type(module) is nn.Linear:
            previous = layers[-1]  # the input shape, or the last layer's table
            if isinstance(previous, dict) and ("conv" in previous or "pool" in previous):
                raise SymbpError(
                    f"from_torch: module {index} (Linear) follows a {_spatial_name(previous)} "
                    "without nn.Flatten: torch applies it to the maps' last dimension (the "
                    "width), not to the flattened maps; put nn.Flatten() before it"
                )
            table = {"dense": module.out_features, "bias": module.bias is not None}
            layers.append(table)
            owners.append(table)
            activations.append(None)
            weights[f"dense{number}"] = module.weight.detach().double().tolist()
            if module.bias is not None:
                biases[f"dense{number}"] = module.bias.detach().double().tolist()
        elif activation_of_torch_module(kind) is not None:
            previous = layers[-1]
            if not isinstance(previous, dict) or not ("conv" in previous or "dense" in previous):
                raise SymbpError(
                    f"from_torch: module {index} ({kind}) follows no Conv2d or Linear: symbp "
                    "puts an activation right after a conv or dense layer"
                )
            if activations[-1] is not None:
                raise SymbpError(f"from_torch: module {index} ({kind}) is a second activation")
            activations[-1] = module
        else:
            raise SymbpError(
                f"from_torch: module {index} ({kind}) is not read (symbp reads Conv2d, "
                "MaxPool2d, AvgPool2d, Flatten, Linear and the activation modules)"
            )
    if not owners:
        raise SymbpError("from_torch: the model has no Conv2d or Linear layer")
    from symbp.torchcheck.bridge import _activation_name

    names = [_activation_name(module) for module in activations]
    n_outputs = _outputs(model, inputs)
    loss, reduction, names = _loss(loss_fn, names, False, n_outputs)
    for table, name in zip(owners, names, strict=True):
        table["activation"] = name or IDENTITY.name
    data: dict[str, Any] = {
        "title": title or f"from_torch: {type(model).__name__} of {len(modules)} modules",
        "layers": layers,
        "loss": loss,
        "reduction": reduction,
        "weights": weights,
        "bias_values": biases,
        "inputs": inputs.tolist(),
        **_parameters([m for m in activations if m is not None]),
        **_loss_parameter(loss_fn, loss),
    }
    if y is not None:
        targets = y.detach()
        rows: list[Any] = (
            targets.double().reshape(len(inputs), -1).tolist()
            if targets.dtype.is_floating_point
            else [int(v) for v in targets.reshape(-1)]
        )
        data["targets"] = rows if len(rows) > 1 else rows[0]
    return conv_spec_from_mapping(data, source="from_torch")


def _spatial_name(layer: dict[str, Any]) -> str:
    if "conv" in layer:
        return "Conv2d"
    return "MaxPool2d" if layer["pool"] == MAX.name else "AvgPool2d"


def _outputs(model: Any, inputs: Any) -> int:
    import torch

    with torch.no_grad():
        return int(
            model(inputs.to(next(model.parameters()).dtype)).reshape(len(inputs), -1).shape[1]
        )
