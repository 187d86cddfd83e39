"""The bridge to torch: models read into specs, specs written as torch scripts that run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from symbp.api.problem import Problem
from symbp.cli import main
from symbp.core.spec import (
    DEFAULT_SPEC_DATA,
    NetworkSpec,
    default_spec,
    load_spec,
    spec_from_mapping,
)
from symbp.errors import SymbpError
from symbp.torchcheck.bridge import torch_script

from .conftest import require_module

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "examples").glob("*.toml"))


# -- model → spec -----------------------------------------------------------------------------


def _models() -> dict[str, tuple[Any, Any, Any, Any]]:
    """Five models with their data and loss module: (model, x, y, loss_fn)."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    dtype = torch.float64
    x2 = torch.tensor([[0.5, 0.3], [-0.2, 0.9], [0.7, -0.4]], dtype=dtype)
    no_bias = nn.Sequential(nn.Linear(2, 2, bias=False), nn.Sigmoid(), nn.Linear(2, 2, bias=False))
    no_bias.append(nn.Sigmoid())
    tanh = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2))
    softmax = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 3))
    partial = nn.Sequential(nn.Linear(2, 3, bias=False), nn.LeakyReLU(0.2), nn.Linear(3, 2))
    log_softmax = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 3), nn.LogSoftmax(1))
    models = {
        "no bias, sigmoid, MSELoss": (
            no_bias,
            torch.tensor([[0.5, 0.3]], dtype=dtype),
            torch.tensor([[0.23, -0.07]], dtype=dtype),
            nn.MSELoss(),
        ),
        "biases, tanh, MSELoss(sum)": (
            tanh,
            x2,
            torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.5, 0.5]], dtype=dtype),
            nn.MSELoss(reduction="sum"),
        ),
        "softmax + CrossEntropyLoss": (
            softmax,
            torch.tensor([[0.5, -0.2, 0.1, 0.3], [0.3, 0.8, -0.5, 0.0]], dtype=dtype),
            torch.tensor([2, 0]),
            nn.CrossEntropyLoss(),
        ),
        "one layer without bias, BCEWithLogitsLoss": (
            partial,
            x2,
            torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=dtype),
            nn.BCEWithLogitsLoss(),
        ),
        "LogSoftmax + NLLLoss": (log_softmax, x2, torch.tensor([0, 2, 1]), nn.NLLLoss()),
    }
    for model, *_ in models.values():
        model.to(dtype)
    return models


MODEL_NAMES = [
    "no bias, sigmoid, MSELoss",
    "biases, tanh, MSELoss(sum)",
    "softmax + CrossEntropyLoss",
    "one layer without bias, BCEWithLogitsLoss",
    "LogSoftmax + NLLLoss",
]


def _autograd(model: Any, x: Any, y: Any, loss_fn: Any, spec: NetworkSpec) -> dict[str, float]:
    """The model's own gradients, named as the spec names the parameters."""
    from torch import nn

    model.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    linears = [m for m in model if isinstance(m, nn.Linear)]
    found = {"L": loss.item()}
    for name, edge in zip(spec.weight_names, spec.edges, strict=True):
        found[name] = float(linears[edge.layer - 1].weight.grad[edge.target, edge.source])
    biases = [(linear, j) for linear in linears for j in range(linear.out_features)]
    for name, (linear, j), trainable in zip(
        spec.bias_names, biases, spec.bias_trainable_flags, strict=False
    ):
        if trainable:  # a layer without a bias in torch has fixed zeros in the spec
            found[name] = float(linear.bias.grad[j])
    return found


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_to_spec_gives_the_models_own_autograd(name: str) -> None:
    require_module("torch")
    from symbp.torchcheck.bridge import from_torch

    model, x, y, loss_fn = _models()[name]
    spec = from_torch(model, x, y, loss_fn)
    problem = Problem(spec)
    truth = _autograd(model, x, y, loss_fn, spec)
    assert problem.loss == pytest.approx(truth.pop("L"), abs=1e-13)
    assert problem.parameter_gradients == pytest.approx(truth, abs=1e-13)
    assert set(problem.parameter_gradients) == set(truth)  # exactly the trainable ones
    assert problem.check().passed


def test_from_torch_reads_what_each_model_says() -> None:
    require_module("torch")
    from symbp.torchcheck.bridge import from_torch

    models = _models()
    spec = from_torch(*models["softmax + CrossEntropyLoss"])
    assert spec.layers == (4, 5, 4, 3)
    assert spec.activations == ("relu", "tanh", "softmax")
    assert (spec.loss, spec.target_classes, spec.numbering) == ("cross_entropy", (2, 0), "layered")
    spec = from_torch(*models["one layer without bias, BCEWithLogitsLoss"])
    assert spec.bias == "per-unit" and spec.negative_slope == 0.2
    assert spec.bias_trainable_flags == (False, False, False, True, True)  # zeros where none
    assert spec.activations == ("leaky_relu", "sigmoid")


def test_from_torch_takes_the_optimizer_and_a_lone_neuron() -> None:
    require_module("torch")
    import torch
    from torch import nn

    from symbp.torchcheck.bridge import from_torch

    neuron = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid()).to(torch.float64)
    with torch.no_grad():
        neuron[0].weight.copy_(torch.tensor([[2.0, -3.0]]))
        neuron[0].bias.fill_(-3.0)
    optimizer = torch.optim.AdamW(neuron.parameters(), lr=0.01, betas=(0.8, 0.9))
    spec = from_torch(neuron, torch.tensor([[-1.0, -2.0]]), optimizer=optimizer)
    assert spec.loss == "output" and spec.learning_rate == 0.01
    assert (spec.optimizer.name, spec.optimizer.betas) == ("adamw", (0.8, 0.9))
    # CS231n's neuron: dx = [0.39, −0.59], dw = [−0.2, −0.39, 0.2]
    problem = Problem(spec)
    assert [round(v, 2) for v in problem.input_gradients.values()] == [0.39, -0.59]
    assert [round(v, 2) for v in problem.parameter_gradients.values()] == [-0.2, -0.39, 0.2]
    # one AdamW step equals torch's own
    neuron(torch.tensor([[-1.0, -2.0]], dtype=torch.float64)).sum().backward()
    optimizer.step()
    mine = problem.step().new_weights
    theirs = [*neuron[0].weight.detach().flatten().tolist(), neuron[0].bias.item()]
    assert mine == pytest.approx(theirs, abs=1e-15)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        ("nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.1), nn.Linear(2, 1))", "module 1 (Dropout"),
        (
            "nn.Sequential(nn.Linear(2, 2), nn.Hardtanh())",
            "module 1 (Hardtanh(min_val=-1.0, max_val=1.0)) is not supported",
        ),
        ("nn.Conv1d(1, 1, 1)", "not Conv1d"),
        ("nn.Sequential(nn.Sigmoid(), nn.Linear(2, 1))", "comes before any nn.Linear"),
        ("nn.Sequential(nn.Linear(2, 2), nn.Softmax(1), nn.Linear(2, 2))", "must be the last"),
        ("nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Tanh())", "follows another activation"),
    ],
)
def test_unsupported_modules_are_named(build: str, message: str) -> None:
    require_module("torch")
    import torch
    from torch import nn

    from symbp.torchcheck.bridge import from_torch

    model = eval(build, {"nn": nn})  # noqa: S307 - the test's own literal
    with pytest.raises(SymbpError, match=re.escape(message)) as error:
        from_torch(model, torch.zeros(1, 2), torch.zeros(1, 1), nn.MSELoss())
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("loss", "message"),
    [
        ("nn.KLDivLoss()", "loss KLDivLoss() is not supported"),
        ("nn.MSELoss(reduction='none')", "MSELoss(reduction='none') is not supported"),
        ("nn.CrossEntropyLoss(label_smoothing=0.1)", "label_smoothing"),
        ("nn.BCELoss()", "nn.BCELoss needs nn.Sigmoid last, not identity"),
    ],
)
def test_unsupported_losses_are_named(loss: str, message: str) -> None:
    require_module("torch")
    import torch
    from torch import nn

    from symbp.torchcheck.bridge import from_torch

    model = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(SymbpError, match=re.escape(message)):
        from_torch(model, torch.zeros(1, 2), torch.zeros(1, 2), eval(loss, {"nn": nn}))  # noqa: S307


def test_cross_entropy_after_softmax_is_refused() -> None:
    require_module("torch")
    import torch
    from torch import nn

    from symbp.torchcheck.bridge import from_torch

    model = nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=1))
    with pytest.raises(SymbpError, match="applies softmax itself"):
        from_torch(model, torch.zeros(1, 2), torch.tensor([1]), nn.CrossEntropyLoss())


# -- spec → script ------------------------------------------------------------------------------


def _run(script: str, tmp_path: Path) -> dict[str, float]:
    path = tmp_path / "script.py"
    path.write_text(script, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    printed = {}
    for line in result.stdout.splitlines():
        name, value = line.split(" = ")
        printed[name] = float(value)
    return printed


def _expected(spec: NetworkSpec) -> dict[str, float]:
    problem = Problem(spec)
    step = problem.step()
    expected = {"L": problem.loss, "L_new": step.new_loss}
    expected |= {f"dL/d{k}": v for k, v in problem.parameter_gradients.items()}
    if len(spec.samples) == 1:
        expected |= {f"dL/d{k}": v for k, v in problem.input_gradients.items()}
    expected |= {f"{k}_new": v for k, v in zip(spec.parameter_names, step.new_weights, strict=True)}
    return expected


EXTRA_SPECS: dict[str, dict[str, Any]] = {
    "adam with decay, partly trainable biases": {
        **DEFAULT_SPEC_DATA,
        "bias": "per-unit",
        "bias_values": [0.1, -0.2, 0.3, 0.4],
        "bias_trainable": [True, False, True, False],
        "optimizer": {"name": "adam", "weight_decay": 0.1, "amsgrad": True},
        "learning_rate": 0.01,
    },
    "nesterov, per-layer bias, 3 samples, sum": {
        "layers": [2, 3, 1],
        "activation": ["leaky_relu", "identity"],
        "negative_slope": 0.1,
        "loss": "mse_mean",
        "reduction": "sum",
        "inputs": [[0.5, 0.3], [-0.2, 0.9], [0.7, -0.4]],
        "targets": [[0.1], [0.9], [0.5]],
        "weights": {"random": "uniform", "seed": 2},
        "bias": "per-layer",
        "bias_values": [0.1, -0.3],
        "optimizer": {"name": "sgd", "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    },
    "cross-entropy distributions, bce-free softmax": {
        "layers": [2, 2, 3],
        "activation": ["tanh", "softmax"],
        "loss": "cross_entropy",
        "inputs": [[0.5, 0.3], [-0.2, 0.9]],
        "targets": [[0.2, 0.3, 0.5], [1, 0, 0]],
        "weights": {"random": "uniform", "seed": 8},
        "optimizer": "adamw",
    },
    "bce, sum, keyword names": {
        **DEFAULT_SPEC_DATA,
        "loss": "bce",
        "targets": [1, 0],
        "reduction": "sum",
        "numbering": "explicit",
        "weight_names": ["lambda", "print", "x", "torch", "optimizer", "y1_", "forward", "None"],
        # a newline is refused by the spec itself; quotes and an injected statement are not
        "title": 'hostile"""; import os; os.remove(\'x\')  # title',
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_export_torch_runs_for_every_example_and_prints_symbps_numbers(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_module("torch")
    assert main(["export", "--torch", "--spec", str(path)]) == 0
    script = capsys.readouterr().out
    printed = _run(script, tmp_path)
    expected = _expected(load_spec(path))
    assert printed.keys() == expected.keys()
    assert printed == pytest.approx(expected, abs=1e-12, rel=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("name", EXTRA_SPECS)
def test_export_torch_covers_optimizers_biases_and_losses(name: str, tmp_path: Path) -> None:
    require_module("torch")
    spec = spec_from_mapping(EXTRA_SPECS[name])
    printed = _run(torch_script(spec), tmp_path)
    expected = _expected(spec)
    assert printed.keys() == expected.keys()
    assert printed == pytest.approx(expected, abs=1e-12, rel=1e-12)


def test_script_keeps_user_text_as_data() -> None:
    spec = spec_from_mapping(EXTRA_SPECS["bce, sum, keyword names"])
    script = torch_script(spec)
    assert script.splitlines()[0] == '# hostile"""; import os; os.remove(\'x\')  # title'
    assert "\nimport os" not in script and "; import os" not in script.split("\n", 1)[1]
    # keyword and builtin names get a variable of their own; the printed name stays theirs
    assert "lambda_ = torch.tensor(0.2" in script and "print_ = torch.tensor(-0.4" in script
    assert 'print("dL/dlambda =", repr(lambda_.grad.item()))' in script


def test_export_writes_a_file_and_needs_torch_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "mooc.py"
    assert main(["export", "--torch", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == torch_script(default_spec())
    with pytest.raises(SystemExit) as exit_status:
        main(["export"])
    assert exit_status.value.code == 2
    assert "--torch" in capsys.readouterr().err


def _refused_models() -> list[tuple[str, str]]:
    return [
        ("own_forward", "defines its own forward()"),
        ("sequential_forward", "defines its own forward()"),
        ("forward_hook", "has a forward or backward hook"),
        ("pre_hook", "has a forward or backward hook"),
        ("backward_hook", "has a forward or backward hook"),
        ("linear_subclass", "is not torch's own nn.Linear but a subclass of it"),
        ("sigmoid_namesake", "is not torch's own nn.Sigmoid but a namesake"),
        ("lazy", "lazy, uninitialized parameters"),
        ("meta", "parameters on the meta device"),
    ]


def _refused_model(kind: str):  # noqa: ANN202 - builds a torch module
    from torch import nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(2, 1)

        def forward(self, x):  # noqa: ANN001, ANN202
            return self.lin(x) * 2

    class Doubled(nn.Sequential):
        def forward(self, x):  # noqa: ANN001, ANN202
            return super().forward(x) * 2

    class MyLinear(nn.Linear):
        pass

    class Sigmoid(nn.Module):  # the name of torch's, but not torch's
        def __call__(self, x):  # noqa: ANN001, ANN204
            return x

    if kind == "own_forward":
        return Net()
    if kind == "sequential_forward":
        return Doubled(nn.Linear(2, 1))
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    if kind == "forward_hook":
        model[0].register_forward_hook(lambda module, args, out: out * 2)
    elif kind == "pre_hook":
        model.register_forward_pre_hook(lambda module, args: args)
    elif kind == "backward_hook":
        model[1].register_full_backward_hook(lambda module, grad_in, grad_out: None)
    elif kind == "linear_subclass":
        model = nn.Sequential(MyLinear(2, 1), nn.Sigmoid())
    elif kind == "sigmoid_namesake":
        model = nn.Sequential(nn.Linear(2, 1), Sigmoid())
    elif kind == "lazy":
        model = nn.Sequential(nn.LazyLinear(1), nn.Sigmoid())
    elif kind == "meta":
        model = nn.Sequential(nn.Linear(2, 1, device="meta"), nn.Sigmoid())
    return model


@pytest.mark.parametrize(("kind", "message"), _refused_models())
def test_models_symbp_cannot_read_are_refused_in_one_line(kind: str, message: str) -> None:
    require_module("torch")
    import torch
    from torch import nn

    from symbp.torchcheck.bridge import from_torch

    with pytest.raises(SymbpError, match=re.escape(message)) as error:
        from_torch(_refused_model(kind), torch.zeros(1, 2), torch.zeros(1, 1), nn.MSELoss())
    assert "\n" not in str(error.value)
    assert str(error.value).startswith("from_torch: ")


def test_a_hooked_or_lookalike_loss_is_refused() -> None:
    require_module("torch")
    import torch
    from torch import nn

    from symbp.torchcheck.bridge import from_torch

    class MSELoss(nn.Module):
        def forward(self, a, b):  # noqa: ANN001, ANN202
            return ((a - b) ** 2).sum()

    model = nn.Sequential(nn.Linear(2, 1))
    x, y = torch.zeros(1, 2), torch.zeros(1, 1)
    with pytest.raises(SymbpError, match=re.escape("defines its own forward()")):
        from_torch(model, x, y, MSELoss())
    hooked = nn.MSELoss()
    hooked.register_forward_hook(lambda module, args, out: out * 0)
    with pytest.raises(SymbpError, match="has a forward or backward hook"):
        from_torch(model, x, y, hooked)


@pytest.mark.parametrize(
    ("module", "message"),
    [
        ("Softplus(beta=2.0)", "has beta=2.0; symbp computes Softplus with beta=1.0 only"),
        ("Softplus(threshold=1.0)", "has threshold=1.0; symbp computes Softplus with"),
        ("Softmax(dim=0)", "has dim=0; symbp computes Softmax with dim=1 or dim=-1 only"),
        ("LogSoftmax(dim=0)", "has dim=0; symbp computes Softmax with dim=1 or dim=-1 only"),
    ],
)
def test_a_torch_setting_symbp_does_not_model_is_refused(module: str, message: str) -> None:
    """Softplus(beta=2) is not softplus: read as plain softplus its loss was 0.2028 where
    torch's is 0.0781, and check() agreed because it rebuilt torch from the same spec."""
    require_module("torch")
    import torch
    from torch import nn

    from symbp.torchcheck.bridge import from_torch

    name, _, arguments = module.partition("(")
    keyword, _, value = arguments.rstrip(")").partition("=")
    activation = getattr(nn, name)(**{keyword: float(value) if "." in value else int(value)})
    loss = nn.NLLLoss() if name == "LogSoftmax" else nn.MSELoss()
    y = torch.tensor([1]) if name == "LogSoftmax" else torch.zeros(1, 2)
    with pytest.raises(SymbpError, match=re.escape(message)) as error:
        from_torch(nn.Sequential(nn.Linear(2, 2), activation), torch.zeros(1, 2), y, loss)
    assert "\n" not in str(error.value)


def test_every_attribute_of_a_known_torch_activation_is_in_the_table() -> None:
    """Each activation module torch builds by default has only attributes the table models:
    its parameter, or a setting whose values include torch's default."""
    require_module("torch")
    from torch import nn

    from symbp.core.operations import ACTIVATIONS

    for info in ACTIVATIONS:
        if not info.torch_module:
            continue
        module = getattr(nn, info.torch_module)(**({"dim": 1} if not info.elementwise else {}))
        settings = {s.name: s.values for s in info.torch_settings}
        for attribute, value in vars(module).items():
            if attribute.startswith("_") or attribute == "training":
                continue
            if info.parameter is not None and attribute == info.parameter.key:
                assert value == info.parameter.default, info.name
                continue
            assert value in settings[attribute], (info.name, attribute)


def test_harmless_torch_settings_are_read_and_agree_with_torch() -> None:
    """inplace=True and Softmax(dim=-1) compute what symbp computes: the gradients are
    torch's own."""
    require_module("torch")
    import torch
    from torch import nn

    from symbp.torchcheck.bridge import from_torch

    torch.manual_seed(5)
    model = nn.Sequential(
        nn.Linear(2, 3),
        nn.ELU(0.5, inplace=True),
        nn.Linear(3, 3),
        nn.ReLU(inplace=True),
        nn.Linear(3, 2),
        nn.Softmax(dim=-1),
    ).double()
    x = torch.tensor([[0.5, 0.3], [2.0, -3.0]], dtype=torch.float64)
    y = torch.tensor([[0.2, 0.8], [1.0, 0.0]], dtype=torch.float64)
    spec = from_torch(model, x, y, nn.MSELoss())
    assert spec.parameter("alpha") == 0.5
    nn.MSELoss()(model(x), y).backward()
    gradients = Problem(spec).parameter_gradients
    theirs = [
        g
        for linear in (model[0], model[2], model[4])
        for g in (*linear.weight.grad.reshape(-1).tolist(),)
    ]
    ours = [v for k, v in gradients.items() if k.startswith("w")]
    assert ours == pytest.approx(theirs, abs=1e-14)


def test_a_hook_on_a_parameter_tensor_is_refused() -> None:
    require_module("torch")
    import torch
    from torch import nn

    from symbp.torchcheck.bridge import from_torch

    linear = nn.Linear(2, 2)
    linear.weight.register_hook(lambda grad: grad * 2)
    with pytest.raises(SymbpError, match=re.escape("has a hook (register_hook)")) as error:
        from_torch(
            nn.Sequential(linear, nn.Sigmoid()), torch.zeros(1, 2), torch.zeros(1, 2), nn.MSELoss()
        )
    assert "\n" not in str(error.value)


def test_linears_sharing_one_weight_parameter() -> None:
    """l3.weight = l2.weight: torch sums the two uses' gradients. With the bias shared too it
    is symbp's tied layers (torch's summed gradient); with the weight alone it is refused."""
    require_module("torch")
    import torch
    from torch import nn

    from symbp.torchcheck.bridge import from_torch

    torch.manual_seed(3)
    x = torch.tensor([[0.5, 0.3], [2.0, 3.0]], dtype=torch.float64)
    y = torch.tensor([[0.2, 0.1], [0.4, 0.3]], dtype=torch.float64)
    first, second = nn.Linear(2, 2).double(), nn.Linear(2, 2).double()
    second.weight = first.weight
    model = nn.Sequential(first, nn.Sigmoid(), second, nn.Sigmoid())
    with pytest.raises(SymbpError, match="shares a weight or bias Parameter") as error:
        from_torch(model, x, y, nn.MSELoss())
    assert "\n" not in str(error.value)

    second.bias = first.bias
    spec = from_torch(model, x, y, nn.MSELoss())
    assert spec.tied_layers == ((1, 2),)
    nn.MSELoss()(model(x), y).backward()
    gradients = Problem(spec).parameter_gradients
    theirs = [*first.weight.grad.reshape(-1).tolist(), *first.bias.grad.tolist()]
    assert list(gradients.values()) == pytest.approx(theirs, abs=1e-14)


def test_a_frozen_weight_is_refused() -> None:
    """torch leaves a weight with requires_grad=False alone; symbp would train it."""
    require_module("torch")
    import torch
    from torch import nn

    from symbp.torchcheck.bridge import from_torch

    linear = nn.Linear(2, 2)
    linear.weight.requires_grad_(False)
    with pytest.raises(SymbpError, match=re.escape("layer 1's weight has requires_grad=False")):
        from_torch(
            nn.Sequential(linear, nn.Sigmoid()), torch.zeros(1, 2), torch.zeros(1, 2), nn.MSELoss()
        )
