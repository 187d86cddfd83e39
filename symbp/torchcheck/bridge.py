"""The bridge to torch code: a torch model read into a spec, and a spec written as a torch script.

`from_torch(model, x, y, loss_fn)` reads an nn.Sequential of nn.Linear layers and activation
modules, its data and its loss module into a NetworkSpec, so that symbp derives what the
model's own autograd computes. `torch_script(spec)` writes the opposite direction: a short
stand-alone script in the style of the seed blog post (every weight its own tensor, named as
symbp names it, the forward pass unit by unit, L.backward(), one optimizer step) that prints
every gradient, so that a student sees the same numbers come out of plain torch.

torch is imported only inside `from_torch`; writing a script needs no torch at all.
"""

from __future__ import annotations

import builtins
import keyword
from collections.abc import Mapping, Sequence
from typing import Any

from symbp.core.operations import (
    ACTIVATIONS,
    ADAMW,
    BCE,
    CROSS_ENTROPY,
    IDENTITY,
    MSE_MEAN,
    OPTIMIZERS,
    SIGMOID,
    SOFTMAX,
    SSE,
    Operation,
    activation_info,
    activation_of_torch_module,
    loss_info,
    loss_of_torch_module,
    optimizer_info,
)
from symbp.core.spec import (
    OUTPUT_LOSS,
    NetworkSpec,
    OptimizerSpec,
    layer_owners,
    spec_from_mapping,
    unit_name,
)
from symbp.errors import SymbpError
from symbp.torchcheck.loss_script import loss_expression

#: torch activation modules symbp knows, by class name
_ACTIVATION_MODULES = {op.torch_module: op.name for op in ACTIVATIONS if op.torch_module}
#: torch.optim's optimizers symbp knows, by class name (the table's label)
_TORCH_OPTIMIZERS = {opt.label: opt for opt in OPTIMIZERS}
#: the per-module hook tables of nn.Module, and torch's global ones
_HOOK_DICTS = (
    "_forward_hooks",
    "_forward_pre_hooks",
    "_backward_hooks",
    "_backward_pre_hooks",
)
_GLOBAL_HOOK_DICTS = (
    "_global_forward_hooks",
    "_global_forward_pre_hooks",
    "_global_backward_hooks",
    "_global_backward_pre_hooks",
)
#: the module classes symbp reads, by their name in torch.nn
#: read as softmax whose log nn.NLLLoss takes
_LOG_SOFTMAX = "LogSoftmax"
_READ_MODULES = ("Linear", _LOG_SOFTMAX, *_ACTIVATION_MODULES)
_LOSS_MODULES = ("MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss")


def from_torch(
    model: Any,
    x: Any,
    y: Any = None,
    loss_fn: Any = None,
    optimizer: Any = None,
    *,
    title: str | None = None,
    dropout_masks: Any = None,
) -> NetworkSpec:
    """The spec of a torch model, its inputs x, targets y and loss module.

    An nn.Dropout (in train mode) after a hidden layer's activation needs its masks given:
    `dropout_masks = {1: [[1, 0, …], …]}`, keyed by hidden layer, one 0/1 list per sample, as
    the spec's `dropout.masks`; torch draws its own mask from its own generator, which symbp
    cannot reproduce from a seed (read it back from the module's output instead). An
    nn.Dropout in eval mode is the identity and is read as no dropout.

    `model` is an nn.Sequential of nn.Linear layers (with or without bias), each optionally
    followed by nn.Sigmoid, nn.Tanh, nn.ReLU, nn.LeakyReLU, nn.ELU, nn.Softplus(), nn.SiLU,
    nn.GELU, nn.Identity, or nn.Softmax(dim=1) / nn.LogSoftmax(dim=1) last; a module attribute
    the operation table does not model (Softplus's beta) is refused. One nn.Linear called twice,
    or several sharing their weight and bias Parameters, is tied_layers. `loss_fn` is
    nn.MSELoss, nn.BCELoss, nn.BCEWithLogitsLoss, nn.CrossEntropyLoss (the model ending in
    logits) or nn.NLLLoss (after LogSoftmax); None differentiates the single output itself
    (L = Σ or mean of o1, no targets). `optimizer`, a torch.optim.SGD, Adam or AdamW over the
    model, gives the learning rate and settings. Anything else raises a SymbpError naming the
    first module symbp cannot read.
    """
    from torch import nn

    if not isinstance(model, nn.Module):
        raise TypeError(
            "model must be a torch.nn.Module (an nn.Sequential of nn.Linear and activation "
            f"modules), not {type(model).__name__}"
        )
    _refuse_unreadable(model)
    if isinstance(loss_fn, nn.Module):
        _refuse_unreadable(loss_fn)
    if isinstance(model, nn.RNN):  # a recurrent network has its own reader and spec
        raise SymbpError("from_torch reads dense networks: for an nn.RNN use symbp.rnn_from_torch")
    if isinstance(model, nn.Linear):
        model = nn.Sequential(model)
    if not isinstance(model, nn.Sequential):
        raise SymbpError(
            f"from_torch reads an nn.Sequential of nn.Linear and activation modules, "
            f"not {type(model).__name__}"
        )
    dropouts: dict[int, float] = {}
    linears, activations, log_softmax = _layers(list(model), dropouts)
    parameters = _parameters(activations)
    names = [_activation_name(module) for module in activations]
    loss, reduction, names = _loss(loss_fn, names, log_softmax, linears[-1].out_features)
    parameters.update(_loss_parameter(loss_fn, loss))

    layers = [linears[0].in_features] + [linear.out_features for linear in linears]
    tied, linears = _tied(linears)
    data: dict[str, Any] = {
        "title": title or _title(model, loss_fn),
        "layers": layers,
        "activation": names,
        "loss": loss,
        "numbering": "layered",  # w1_2_1 is layer 1, target 2, source 1: torch's weight[1, 0]
        "reduction": reduction,
        "weights": [
            float(linear.weight.detach()[target, source])
            for linear in linears
            for target in range(linear.out_features)
            for source in range(linear.in_features)
        ],
    }
    if tied:
        data["tied_layers"] = tied
    data.update(parameters)
    data.update(_biases(linears))
    data.update(_samples(x, y, loss, layers))
    if optimizer is not None:
        data["learning_rate"], data["optimizer"] = _optimizer(optimizer)
    if dropouts or dropout_masks is not None:
        data["dropout"] = _dropout(dropouts, dropout_masks, len(layers) - 2)
    return spec_from_mapping(data, source="from_torch")


def _dropout(dropouts: dict[int, float], masks: Any, n_hidden: int) -> dict[str, Any]:
    """The spec's dropout table from the model's nn.Dropout modules and the masks given."""
    if not dropouts:
        raise SymbpError(
            "from_torch: dropout_masks given but the model has no nn.Dropout in train mode"
        )
    if masks is None:
        raise SymbpError(
            "from_torch: the model has nn.Dropout: give its masks, dropout_masks = {1: [[1, 0, …], "
            "…]} (torch's own random mask cannot be reproduced from a seed)"
        )
    if not isinstance(masks, Mapping):
        raise SymbpError("from_torch: dropout_masks must be a dict keyed by hidden layer")
    given = {str(layer): rows for layer, rows in masks.items()}
    unused = sorted(set(given) - {str(layer) for layer in dropouts})
    if unused:
        raise SymbpError(
            f"from_torch: dropout_masks for layer {unused[0]}, which has no nn.Dropout"
        )
    missing = sorted(set(dropouts) - {int(k) for k in given if k.isdigit()})
    if missing:
        raise SymbpError(f"from_torch: dropout_masks has no masks for layer {missing[0]}")
    keeps = [1.0 - dropouts.get(layer, 0.0) for layer in range(1, n_hidden + 1)]
    rows = {
        key: value.tolist() if hasattr(value, "tolist") else value for key, value in given.items()
    }
    return {"keep_prob": keeps, "masks": rows}


def _tied(linears: list[Any]) -> tuple[list[list[int]], list[Any]]:
    """The groups of layers that share their weights (tied_layers), and one nn.Linear per
    group: one nn.Linear called in several places, or several sharing one weight Parameter and
    one bias Parameter (or no bias). One line for layers that share one but not the other."""
    places: dict[tuple[int, int | None], list[int]] = {}
    owners: dict[tuple[int, int | None], Any] = {}
    shared: dict[int, tuple[int, int | None]] = {}  # a Parameter's id -> the pair it is in
    for layer, linear in enumerate(linears, start=1):
        if not linear.weight.requires_grad:
            raise SymbpError(
                f"from_torch: layer {layer}'s weight has requires_grad=False; symbp trains every "
                "weight (a frozen bias is read, a frozen weight is not)"
            )
        bias = None if linear.bias is None else id(linear.bias)
        pair = (id(linear.weight), bias)
        for parameter in (id(linear.weight), bias):
            if parameter is not None and shared.setdefault(parameter, pair) != pair:
                raise SymbpError(
                    f"from_torch: layer {layer} shares a weight or bias Parameter with another "
                    "nn.Linear but not both; symbp ties whole layers (weights and biases)"
                )
        places.setdefault(pair, []).append(layer)
        owners.setdefault(pair, linear)
    return [group for group in places.values() if len(group) > 1], list(owners.values())


def _refuse_unreadable(model: Any) -> None:
    """One line for a model whose computation is not what its modules say: its own forward(),
    hooks, subclasses of the modules symbp reads, lazy or meta-device parameters."""
    from torch import nn

    for name, module in model.named_modules():
        where = f"module {name}" if name else "the model"
        label = f"{where} ({type(module).__name__})"
        if _own_forward(type(module)):
            raise SymbpError(
                f"from_torch: {label} defines its own forward(), which symbp cannot read; "
                "give an nn.Sequential of nn.Linear and activation modules"
            )
        for parameter in module.parameters(recurse=False):
            if isinstance(parameter, nn.parameter.UninitializedParameter):
                raise SymbpError(
                    f"from_torch: {label} has lazy, uninitialized parameters; run the model "
                    "once on an input (or use nn.Linear) first"
                )
            if getattr(parameter, "_backward_hooks", None) or getattr(
                parameter, "_post_accumulate_grad_hooks", None
            ):
                raise SymbpError(
                    f"from_torch: a parameter of {label} has a hook (register_hook), which "
                    "changes its gradient; remove the hook first"
                )
            if not parameter.is_floating_point():  # complex or integer weights
                raise SymbpError(
                    f"from_torch: {label} has {str(parameter.dtype).removeprefix('torch.')} "
                    "parameters; symbp reads real floating-point weights only"
                )
            if parameter.is_meta:
                raise SymbpError(
                    f"from_torch: {label} has parameters on the meta device, which hold no "
                    "values; move the model to the CPU with real weights first"
                )
        for hooks in _HOOK_DICTS:
            if getattr(module, hooks, None):
                raise SymbpError(
                    f"from_torch: {label} has a forward or backward hook, which changes what "
                    "it computes; remove the hooks first"
                )

    if any(getattr(nn.modules.module, hooks, None) for hooks in _GLOBAL_HOOK_DICTS):
        raise SymbpError(
            "from_torch: a global module hook is registered (torch.nn.modules.module."
            "register_module_forward_hook or the like); remove it first"
        )


def _shown(module: Any) -> str:
    """A module as written in a one-line message: a nested Sequential's repr spans lines."""
    text = " ".join(str(module).split())
    return text if len(text) <= 120 else text[:117] + "..."


def _own_forward(kind: type) -> bool:
    """Whether a module class, or a class it derives from outside torch, defines forward."""
    return any(
        "forward" in vars(base) for base in kind.__mro__ if not base.__module__.startswith("torch")
    )


def _refuse_lookalike(index: int, module: Any) -> None:
    """A module symbp would read by its class, that is not exactly torch's class: a subclass
    (its own extra_repr, attributes or methods may change what it computes) or a namesake."""
    from torch import nn

    kind = type(module)
    for name in _READ_MODULES:
        torch_class = getattr(nn, name)
        if kind is torch_class:
            return
        if issubclass(kind, torch_class) or kind.__name__ == name:
            raise SymbpError(
                f"from_torch: module {index} ({kind.__name__}) is not torch's own nn.{name} "
                f"but {'a subclass of it' if issubclass(kind, torch_class) else 'a namesake'}; "
                "symbp reads torch's own classes only"
            )


def _layers(
    modules: list[Any], dropouts: dict[int, float] | None = None
) -> tuple[list[Any], list[Any], bool]:
    """The Linear layers, each one's activation module (or None), and whether LogSoftmax ends;
    each nn.Dropout's p by hidden layer into `dropouts`."""
    from torch import nn

    linears: list[Any] = []
    activations: list[Any] = []
    log_softmax = False
    for index, module in enumerate(modules):
        name = type(module).__name__
        shown = _shown(module)
        last = index == len(modules) - 1
        _refuse_lookalike(index, module)
        if type(module) is nn.Linear:
            if linears and module.in_features != linears[-1].out_features:
                raise SymbpError(
                    f"from_torch: module {index} ({shown}) takes {module.in_features} inputs "
                    f"but the layer before gives {linears[-1].out_features}"
                )
            linears.append(module)
            activations.append(None)
            continue
        if not linears:
            raise SymbpError(f"from_torch: module {index} ({shown}) comes before any nn.Linear")
        if name == "Identity":
            continue
        if type(module) is nn.Dropout and dropouts is not None:
            if activations[-1] is None or last or len(linears) in dropouts:
                raise SymbpError(
                    f"from_torch: module {index} ({shown}): symbp reads one nn.Dropout after a "
                    "hidden layer's activation (a = m·f(z)/p)"
                )
            if module.training and module.p > 0:
                dropouts[len(linears)] = float(module.p)
            continue
        if name not in _ACTIVATION_MODULES and name != _LOG_SOFTMAX:
            raise SymbpError(
                f"from_torch: module {index} ({shown}) is not supported (symbp reads nn.Linear, "
                f"{', '.join('nn.' + n for n in _ACTIVATION_MODULES)} and nn.LogSoftmax)"
            )
        if activations[-1] is not None:
            raise SymbpError(
                f"from_torch: module {index} ({shown}) follows another activation; symbp "
                "reads one activation after each nn.Linear"
            )
        # LogSoftmax is read as softmax (and its log by nn.NLLLoss): softmax's settings
        _refuse_unmodelled(index, module, activation_of_torch_module(name) or SOFTMAX)
        if name in (SOFTMAX.torch_module, _LOG_SOFTMAX):
            if not last:
                raise SymbpError(f"from_torch: module {index} ({shown}) must be the last one")
            log_softmax = name == _LOG_SOFTMAX
            activations[-1] = module if name == SOFTMAX.torch_module else SOFTMAX.name
            continue
        activations[-1] = module
    if not linears:
        raise SymbpError("from_torch: the model has no nn.Linear layer")
    return linears, activations, log_softmax


def _refuse_unmodelled(index: int, module: Any, info: Operation) -> None:
    """One line for an activation module with an attribute symbp does not model (Softplus's
    beta), or one it models at other values only (Softmax's dim): the table lists, for each
    activation, its parameter and the torch settings it computes torch's function with."""
    settings = {setting.name: setting.values for setting in info.torch_settings}
    parameter = info.parameter.key if info.parameter is not None else None
    for attribute, value in vars(module).items():
        if attribute.startswith("_") or attribute in ("training", parameter):
            continue
        allowed = settings.get(attribute)
        if allowed is None:
            raise SymbpError(
                f"from_torch: module {index} ({module}) has {attribute}={value!r}, which symbp "
                "does not model"
            )
        if not any(type(value) is not bool and value == v or value is v for v in allowed):
            shown = " or ".join(f"{attribute}={v!r}" for v in allowed)
            raise SymbpError(
                f"from_torch: module {index} ({module}) has {attribute}={value!r}; symbp "
                f"computes {info.torch_module} with {shown} only"
            )


def _activation_name(module: Any) -> str:
    if module is None:
        return IDENTITY.name
    if isinstance(module, str):
        return module
    return _ACTIVATION_MODULES[type(module).__name__]


def _parameters(activations: list[Any]) -> dict[str, Any]:
    """The spec keys of the activations' parameters (LeakyReLU's negative_slope), one value
    each: symbp's spec holds one per key."""
    found: dict[str, Any] = {}
    for module in activations:
        if module is None or isinstance(module, str):
            continue
        info = activation_of_torch_module(type(module).__name__)
        if info is None or info.parameter is None:
            continue
        key = info.parameter.key
        value = getattr(module, key)
        value = float(value) if not info.parameter.choices else str(value)
        if key in found and found[key] != value:
            shown = sorted([found[key], value])
            raise SymbpError(
                f"from_torch: the {info.torch_module} modules have different {key} values "
                f"{shown}; symbp uses one {key}"
            )
        found[key] = value
    return found


def _loss(
    loss_fn: Any, names: list[str], log_softmax: bool, n_outputs: int
) -> tuple[str, str, list[str]]:
    """symbp's loss and reduction for a torch loss module, and the activations it implies."""
    if loss_fn is None:
        if n_outputs != 1:
            raise SymbpError(
                f"from_torch without a loss differentiates the output itself; this model has "
                f"{n_outputs} outputs: give a loss module"
            )
        return OUTPUT_LOSS, "sum", names
    from torch import nn

    name = type(loss_fn).__name__
    entry = loss_of_torch_module(name)
    if entry is not None and type(loss_fn) is getattr(nn, name) and not log_softmax:
        return _table_loss(loss_fn, entry, n_outputs), loss_fn.reduction, names
    if name not in _LOSS_MODULES or type(loss_fn) is not getattr(nn, name):
        raise SymbpError(
            f"from_torch: loss {_shown(loss_fn)} is not supported (symbp reads "
            f"{', '.join('nn.' + n for n in _LOSS_MODULES)})"
        )
    reduction = getattr(loss_fn, "reduction", "mean")
    if reduction not in ("mean", "sum"):
        raise SymbpError(f"from_torch: {name}(reduction={reduction!r}) is not supported")
    for attribute in ("weight", "pos_weight"):
        if getattr(loss_fn, attribute, None) is not None:
            raise SymbpError(f"from_torch: {name} with a {attribute} is not supported")
    if getattr(loss_fn, "label_smoothing", 0.0):
        raise SymbpError(f"from_torch: {name} with label_smoothing is not supported")
    last = names[-1]
    if name == "NLLLoss":
        if not log_softmax:
            raise SymbpError(
                "from_torch: nn.NLLLoss needs the model to end in nn.LogSoftmax(dim=1)"
            )
        return CROSS_ENTROPY.name, reduction, names
    if log_softmax:
        raise SymbpError(f"from_torch: nn.LogSoftmax is read with nn.NLLLoss only, not {name}")
    if name == "CrossEntropyLoss":
        if last != IDENTITY.name:
            raise SymbpError(
                "from_torch: nn.CrossEntropyLoss applies softmax itself, so the model must end "
                f"in nn.Linear (logits), not {last}"
            )
        return CROSS_ENTROPY.name, reduction, [*names[:-1], SOFTMAX.name]
    if name == "BCEWithLogitsLoss":
        if last != IDENTITY.name:
            raise SymbpError(
                "from_torch: nn.BCEWithLogitsLoss applies the sigmoid itself, so the model must "
                f"end in nn.Linear (logits), not {last}"
            )
        return _bce(reduction, n_outputs), reduction, [*names[:-1], SIGMOID.name]
    if name == "BCELoss":
        if last != SIGMOID.name:
            raise SymbpError(f"from_torch: nn.BCELoss needs nn.Sigmoid last, not {last}")
        return _bce(reduction, n_outputs), reduction, names
    # MSELoss: its mean is over outputs and samples; its sum over both is symbp's sse summed
    return (MSE_MEAN.name if reduction == "mean" else SSE.name), reduction, names


def _table_loss(loss_fn: Any, entry: Any, n_outputs: int) -> str:
    """A loss module that is a table entry's (nn.HuberLoss, nn.MultiMarginLoss, nn.NLLLoss
    after a model without LogSoftmax, …), with the settings symbp can take."""
    name = type(loss_fn).__name__
    if loss_fn.reduction not in ("mean", "sum"):
        raise SymbpError(f"from_torch: {name}(reduction={loss_fn.reduction!r}) is not supported")
    if getattr(loss_fn, "weight", None) is not None:
        raise SymbpError(f"from_torch: {name} with a weight is not supported")
    if getattr(loss_fn, "p", 1) != 1:
        raise SymbpError(f"from_torch: {name} with p = {loss_fn.p} is not supported (p = 1)")
    if getattr(loss_fn, "ignore_index", -100) != -100:
        raise SymbpError(f"from_torch: {name} with an ignore_index is not supported")
    if loss_fn.reduction == "sum" and entry.torch_outputs_power != 0 and n_outputs > 1:
        raise SymbpError(
            f"from_torch: {name} with reduction='sum' over several outputs is not supported "
            f"(symbp's {entry.name} averages over the outputs)"
        )
    return str(entry.name)


def _loss_parameter(loss_fn: Any, loss: str) -> dict[str, Any]:
    """The spec key of the loss's parameter (delta, beta, margin) with torch's value."""
    parameter = loss_info(loss).parameter
    if parameter is None or loss_fn is None:
        return {}
    return {parameter.key: float(getattr(loss_fn, parameter.key))}


def _bce(reduction: str, n_outputs: int) -> str:
    # symbp's bce averages over the outputs; torch's sum does not
    if reduction == "sum" and n_outputs > 1:
        raise SymbpError(
            "from_torch: BCE with reduction='sum' over several outputs is not supported "
            "(symbp's bce averages over the outputs)"
        )
    return BCE.name


def _biases(linears: list[Any]) -> dict[str, Any]:
    """Per-unit biases from nn.Linear; a layer without one gets fixed zeros."""
    if all(linear.bias is None for linear in linears):
        return {}
    values: list[float] = []
    trainable: list[bool] = []
    for linear in linears:
        if linear.bias is None:
            values += [0.0] * linear.out_features
            trainable += [False] * linear.out_features
        else:
            values += [float(v) for v in linear.bias.detach()]
            trainable += [bool(linear.bias.requires_grad)] * linear.out_features
    entries: dict[str, Any] = {"bias": "per-unit", "bias_values": values}
    entries["bias_trainable"] = trainable if not all(trainable) else True
    return entries


def _samples(x: Any, y: Any, loss: str, layers: list[int]) -> dict[str, Any]:
    """inputs and targets as lists (one sample, or one row per sample)."""
    rows = _rows(x, "x", layers[0])
    data: dict[str, Any] = {"inputs": rows if len(rows) > 1 else rows[0]}
    if loss == OUTPUT_LOSS:
        if y is not None:
            raise SymbpError("from_torch: without a loss module there are no targets: y = None")
        return data
    if y is None:
        raise SymbpError("from_torch: a loss module needs the targets y")
    targets: list[Any]
    if loss_info(loss).class_targets and _is_class_vector(y):
        targets = [int(v) for v in y.reshape(-1).tolist()]
    else:
        targets = _rows(y, "y", layers[-1])
    if len(targets) != len(rows):
        raise SymbpError(f"from_torch: x has {len(rows)} samples but y has {len(targets)}")
    data["targets"] = targets if len(targets) > 1 else targets[0]
    return data


def _is_class_vector(y: Any) -> bool:
    import torch

    return isinstance(y, torch.Tensor) and not torch.is_floating_point(y) and y.dim() <= 1


def _rows(tensor: Any, name: str, width: int) -> list[list[float]]:
    import torch

    values = torch.as_tensor(tensor).detach().to(torch.float64)
    if values.dim() == 1:
        values = values.reshape(1, -1)
    if values.dim() != 2 or values.shape[1] != width:
        raise SymbpError(
            f"from_torch: {name} must have shape (samples, {width}), not {tuple(values.shape)}"
        )
    return [[float(v) for v in row] for row in values.tolist()]


def _optimizer(optimizer: Any) -> tuple[float, dict[str, Any]]:
    """The learning rate and symbp's optimizer table of a torch.optim optimizer the operation
    table has (its label is torch's class name), with the table's keys."""
    name = type(optimizer).__name__
    groups = getattr(optimizer, "param_groups", None)
    info = _TORCH_OPTIMIZERS.get(name)
    if info is None or not groups:
        raise SymbpError(
            f"from_torch: optimizer {name} is not supported ({', '.join(_TORCH_OPTIMIZERS)})"
        )
    group = groups[0]
    if any({k: v for k, v in g.items() if k != "params"} != _settings(group) for g in groups):
        raise SymbpError("from_torch: the optimizer's parameter groups have different settings")
    if group.get("maximize"):
        raise SymbpError("from_torch: an optimizer with maximize=True is not supported")
    if any(_has_stepped(optimizer.state.get(p, {})) for g in groups for p in g["params"]):
        raise SymbpError(
            "from_torch: the optimizer has taken steps already; give its state as "
            "optimizer_state in the spec"
        )
    table: dict[str, Any] = {"name": info.name}
    for key in info.keys:
        if key not in group:
            raise SymbpError(f"from_torch: {name} has no setting {key!r} that symbp reads")
        value = group[key]
        table[key] = [float(v) for v in value] if isinstance(value, tuple | list) else value
    if info.adaptive and not info.decoupled_decay and group.get("decoupled_weight_decay"):
        table["name"] = ADAMW.name  # torch's Adam(decoupled_weight_decay=True) is AdamW
    return float(group["lr"]), table


def _has_stepped(state: dict[str, Any]) -> bool:
    # Adagrad creates its state (step 0, its sum) before any step; the others at the first
    return float(state.get("step", 0)) > 0 or state.get("momentum_buffer") is not None


def _settings(group: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in group.items() if k != "params"}


def _title(model: Any, loss_fn: Any) -> str:
    parts = []
    for module in model:
        name = type(module).__name__
        if name == "Linear":
            name = f"Linear({module.in_features}→{module.out_features})"
        parts.append(name)
    loss = type(loss_fn).__name__ if loss_fn is not None else "the output itself"
    return f"torch model: {' · '.join(parts)}; loss {loss}"[:200]


# -- spec → torch script ---------------------------------------------------------------------

#: names the script uses for itself, which a spec's weight names must not shadow
_SCRIPT_NAMES = frozenset(
    {"torch", "x", "y", "L", "L_new", "forward", "optimizer", "parameters", "classes", "logits"}
)


def torch_script(spec: NetworkSpec, optimizer: OptimizerSpec | None = None) -> str:
    """A stand-alone torch script that rebuilds `spec` and prints every number of one step.

    Every weight and bias is its own float64 tensor named as symbp names it, the forward pass
    is written unit by unit (z_h1 = w1 * x1 + w3 * x2, h1 = torch.sigmoid(z_h1)), the loss with
    torch's own modules where symbp's definition is theirs, and torch.optim takes the step.
    It prints `L = …`, `dL/dw1 = …` for every parameter, `dL/dx1 = …` for every input (one
    sample), then `w1_new = …` and `L_new = …` after the step: lines a program can read back.
    """
    if not isinstance(spec, NetworkSpec):
        raise TypeError(f"spec must be a NetworkSpec, not {type(spec).__name__}")
    if optimizer is not None and not isinstance(optimizer, OptimizerSpec):
        raise TypeError(f"optimizer must be an OptimizerSpec, not {type(optimizer).__name__}")
    settings = spec.optimizer if optimizer is None else optimizer
    layers = spec.layers
    n_layers = len(layers)
    variables = _variable_names(spec)
    one_sample = len(spec.samples) == 1
    lines = [
        f"# {_comment(spec.title)}",
        "# Written by `symbp export --torch`: the network rebuilt weight by weight with symbp's",
        "# names, one step of the spec's optimizer, every gradient printed. float64 throughout",
        "# (torch.Tensor is float32, which agrees with exact arithmetic to about 7 digits only).",
        "import torch",
        "",
        "torch.set_default_dtype(torch.float64)",
        "",
        "# one row per sample",
        f"x = torch.tensor({[list(x) for x, _ in spec.samples]!r}, requires_grad=True)",
    ]
    for index in range(layers[0]):
        lines.append(f"{unit_name(0, index, n_layers)} = x[:, {index}]")
    if spec.target_classes is not None:
        lines.append(f"classes = torch.tensor({list(spec.target_classes)!r})  # class indices")
    elif not spec.objective_indices:
        lines.append(f"y = torch.tensor({[list(y) for _, y in spec.samples]!r})")
        for index in range(layers[-1]):
            lines.append(f"y{index + 1} = y[:, {index}]")
    lines += _mask_lines(spec)
    lines += ["", "# every weight and bias its own tensor, as symbp names them"]
    for name, value in zip(spec.weight_names, spec.weights, strict=True):
        lines.append(f"{variables[name]} = torch.tensor({value!r}, requires_grad=True)")
    for name, value, trainable in zip(
        spec.bias_names, spec.bias_values, spec.bias_trainable_flags, strict=True
    ):
        grad = ", requires_grad=True)" if trainable else ")  # fixed: not trained"
        lines.append(f"{variables[name]} = torch.tensor({value!r}{grad}")
    lines += ["", "", "def forward():"]
    lines += ["    " + line for line in _forward_lines(spec, variables)]
    lines += ["", ""]
    trained = [variables[name] for name in spec.parameter_names]
    lines += [
        f"parameters = [{', '.join(trained)}]",
        f"optimizer = {_torch_optimizer(settings, spec.learning_rate)}",
        *_state_lines(spec, settings, trained),
        "",
        "L = forward()",
        "L.backward()",
        'print("L =", repr(L.item()))',
    ]
    # an output that L leaves out gives its weights no gradient at all (None in torch): 0
    unused = bool(spec.objective_indices) and len(spec.objective_indices) < layers[-1]
    for name in spec.parameter_names:
        held = variables[name]
        read = f"0.0 if {held}.grad is None else {held}.grad.item()" if unused else ""
        lines.append(f'print("dL/d{name} =", repr({read or held + ".grad.item()"}))')
    if one_sample:
        for index in range(layers[0]):
            unit = unit_name(0, index, n_layers)
            lines.append(f'print("dL/d{unit} =", repr(x.grad[0, {index}].item()))')
    lines += ["", "optimizer.step()"]
    for name in spec.parameter_names:
        lines.append(f'print("{name}_new =", repr({variables[name]}.item()))')
    lines += ["with torch.no_grad():", '    print("L_new =", repr(forward().item()))', ""]
    return "\n".join(lines)


def _mask_lines(spec: NetworkSpec) -> list[str]:
    """dropout: each dropped-out unit's mask over the samples (m_h1 = …), the spec's own."""
    dropout = spec.dropout
    if dropout is None:
        return []
    lines = ["", "# dropout's masks (1 kept, 0 dropped), one entry per sample: the spec's, fixed"]
    for layer, masks in zip(dropout.layers, dropout.masks, strict=True):
        for index in range(spec.layers[layer]):
            column = [float(sample[index]) for sample in masks]
            lines.append(
                f"m_{unit_name(layer, index, len(spec.layers))} = torch.tensor({column!r})"
            )
    return lines


def _comment(text: str) -> str:
    """User text as one comment line: no line break can end the comment early."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _variable_names(spec: NetworkSpec) -> dict[str, str]:
    """A Python variable for every parameter: its own name unless that is a keyword, a
    builtin or one of the script's names, then the name with a trailing underscore."""
    units = {
        unit_name(layer, index, len(spec.layers))
        for layer, size in enumerate(spec.layers)
        for index in range(size)
    }
    taken = set(_SCRIPT_NAMES) | units | {f"z_{u}" for u in units}
    taken |= {f"y{k + 1}" for k in range(spec.layers[-1])}
    taken |= {f"m_{u}" for u in units}  # dropout's masks
    variables: dict[str, str] = {}
    for name in spec.weight_names + spec.bias_names:
        variable = name
        while (
            keyword.iskeyword(variable)
            or keyword.issoftkeyword(variable)
            or hasattr(builtins, variable)
            or variable in taken
        ):
            variable += "_"
        taken.add(variable)
        variables[name] = variable
    return variables


def _forward_lines(spec: NetworkSpec, variables: dict[str, str]) -> list[str]:
    """z = Σ w·a + b and a = f(z) for every unit, then the loss L."""
    n_layers = len(spec.layers)
    incoming: dict[tuple[int, int], list[str]] = {}
    names = spec.weight_names
    for edge, position in spec.connections:  # a tied layer's edges carry its owner's weights
        name = names[position]
        source = unit_name(edge.layer - 1, edge.source, n_layers)
        incoming.setdefault((edge.layer, edge.target), []).append(f"{variables[name]} * {source}")
    biases_of = _bias_terms(spec, variables)
    lines: list[str] = []
    for layer in range(1, n_layers):
        units = [unit_name(layer, j, n_layers) for j in range(spec.layers[layer])]
        for j, unit in enumerate(units):
            terms = incoming[(layer, j)] + biases_of.get((layer, j), [])
            lines.append(f"z_{unit} = {' + '.join(terms)}")
        activation = spec.activations[layer - 1]
        if not activation_info(activation).elementwise:
            stacked = ", ".join(f"z_{u}" for u in units)
            lines.append(
                f"{', '.join(units)}, = torch.softmax(torch.stack([{stacked}], dim=1), dim=1)"
                ".unbind(dim=1)"
            )
            continue
        keep = None if spec.dropout is None else spec.dropout.keep(layer)
        for unit in units:
            call = _activation_call(activation, f"z_{unit}", spec)
            if keep is not None:  # inverted dropout with the spec's mask: a = m·f(z)/p
                call = f"m_{unit} * {call} / {keep!r}"
            lines.append(f"{unit} = {call}")
    outputs = [unit_name(n_layers - 1, k, n_layers) for k in range(spec.layers[-1])]
    lines += _loss_lines(spec, outputs)
    if spec.l2:
        # the L2 penalty written into L (regularization), once for the whole batch
        factor = spec.l2 * (1.0 if spec.l2_full else 0.5)
        squared = list(spec.weight_names)
        if spec.l2_biases:
            squared += [n for n in spec.parameter_names if n not in spec.weight_names]
        squares = " + ".join(f"{variables[name]} ** 2" for name in squared)
        lines.append(f"L = L + {factor!r} * ({squares})")
    lines.append("return L")
    return lines


def _bias_terms(spec: NetworkSpec, variables: dict[str, str]) -> dict[tuple[int, int], list[str]]:
    found: dict[tuple[int, int], list[str]] = {}
    names = iter(spec.bias_names)
    owners = layer_owners(len(spec.layers), spec.tied_layers)
    for layer in range(1, len(spec.layers)):
        if owners[layer] != layer:  # a tied layer adds its owner's biases
            for j in range(spec.layers[layer]):
                found[(layer, j)] = list(found.get((owners[layer], j), []))
            continue
        if spec.bias == "per-layer":
            name = variables[next(names)]
            for j in range(spec.layers[layer]):
                found.setdefault((layer, j), []).append(name)
        elif spec.bias == "per-unit":
            for j in range(spec.layers[layer]):
                found.setdefault((layer, j), []).append(variables[next(names)])
    return found


def _activation_call(activation: str, z: str, spec: NetworkSpec) -> str:
    info = activation_info(activation)
    if not info.torch_function:  # the identity
        return z
    if info.parameter is not None:
        value = spec.parameter(info.parameter.key)
        return f"{info.torch_function}({z}, {info.parameter.key}={value!r})"
    return f"{info.torch_function}({z})"


def _loss_lines(spec: NetworkSpec, outputs: Sequence[str]) -> list[str]:
    """L written as symbp defines it: torch's own loss modules where they are symbp's loss."""
    expression = loss_expression(
        spec.loss,
        parameter=spec.loss_parameter,
        per_samples=1.0 / len(spec.samples) if spec.reduction == "mean" else 1.0,
        n_outputs=len(outputs),
        outputs=f"torch.stack([{', '.join(outputs)}], dim=1)",
        logits=f"torch.stack([{', '.join('z_' + o for o in outputs)}], dim=1)",
        targets="classes" if spec.target_classes is not None else "y",
        objective=spec.objective_indices,
    )
    return [f"L = {expression}"]


def _state_lines(spec: NetworkSpec, settings: OptimizerSpec, trained: list[str]) -> list[str]:
    """A given optimizer_state put into torch.optim's state, as a loaded state_dict would."""
    if not settings.initial and not settings.initial_step:
        return []
    from symbp.torchcheck.replay import torch_state_names  # only for a given optimizer state

    given = dict(settings.initial)
    lines = ["# the optimizer's state before this update (optimizer_state in the spec)"]
    names = torch_state_names(settings)
    for index, variable in enumerate(trained):
        for key in settings.state_keys():
            start = settings.initial_accumulator_value if key == "s" else 0.0
            value = given[key][index] if key in given else start
            lines.append(f"optimizer.state[{variable}][{names[key]!r}] = torch.tensor({value!r})")
        if optimizer_info(settings.name).adaptive:
            step = float(settings.initial_step)
            lines.append(f"optimizer.state[{variable}]['step'] = torch.tensor({step!r})")
    return lines


def _torch_optimizer(settings: OptimizerSpec, learning_rate: float) -> str:
    info = optimizer_info(settings.name)
    label = info.label
    arguments = [f"lr={learning_rate!r}"]
    defaults = OptimizerSpec(name=settings.name, weight_decay=info.default_weight_decay)
    for key, value in settings.settings().items():
        if value != defaults.settings()[key]:
            arguments.append(f"{key}={value!r}")
    return f"torch.optim.{label}(parameters, {', '.join(arguments)})"
