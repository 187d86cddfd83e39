"""The operation table: every operation, activation, loss and optimizer symbp knows, by name.

This half of the table is plain data and imports no sympy, so that reading a spec (and the
torch worker, which must start as fast as `import torch` allows) can validate names. Each
entry says what the rest of symbp asks of an operation besides its mathematics: its names in
English and Chinese, how formulas spell it, which torch module it is checked against, the spec
key of its parameter, and the properties displays and judges branch on (a kink at 0, dead
below 0, acting on a whole layer). The sympy half sits beside it in symbp.core.functions, one entry
per name here, keyed by these entries (a test keeps the two in step); the self-check page's
JavaScript for each activation is printed from that sympy entry.

Nothing outside this module names an operation as a string: it asks the entry instead.
`python benchmarks/name_literals.py` counts the files that do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from symbp.errors import SymbpError
from symbp.near import closest


@dataclass(frozen=True)
class Parameter:
    """A number or choice an activation takes from the spec (a top-level spec key)."""

    key: str  # the spec key and torch's keyword argument: negative_slope, alpha, approximate
    default: float | str
    choices: tuple[str, ...] = ()  # for a choice (gelu's approximate); empty for a number
    #: the smallest value it may take (a loss's margin or δ: 0); None: any number
    minimum: float | None = None
    #: the minimum itself is refused (huber's δ > 0)
    above_minimum: bool = False


@dataclass(frozen=True)
class TorchSetting:
    """An attribute of the torch module symbp reads an activation from, that symbp does not
    take as its parameter: symbp computes what torch does only for the values listed here."""

    name: str  # the module's attribute: Softplus's beta, Softmax's dim, ReLU's inplace
    values: tuple[object, ...]  # the values with which torch computes symbp's function


#: in-place computation changes where torch writes a result, not the result
_INPLACE = TorchSetting("inplace", (False, True))


@dataclass(frozen=True)
class Operation:
    """One operation of the graph: an arithmetic step or an activation a = f(z)."""

    name: str
    english: str
    chinese: str
    #: the function name displays call it with (E.Call): sigma for sigmoid, else the name
    call: str = ""
    #: the stem of its derivative's name, f′: σ for sigmoid, else the name
    prime: str = ""
    #: how plain text spells its call (σ); empty: the call name
    text: str = ""
    #: LaTeX's own command for it (\\tanh, \\log); empty: \\operatorname{name}
    latex: str = ""
    #: how prose names it (Leaky ReLU); empty: the name
    prose: str = ""
    #: LaTeX sets the derivative's name upright (\operatorname{tanh}') rather than italic
    upright: bool = False
    #: torch.nn's module for it, and torch's function as the exported script writes it
    torch_module: str = ""
    torch_function: str = ""
    parameter: Parameter | None = None
    #: the torch module's other attributes and the values symbp models them at; from_torch
    #: refuses a module with any other attribute, or another value of one of these
    torch_settings: tuple[TorchSetting, ...] = ()
    #: how a student may write it in a hand formula (σ(z), sigmoid(z), exp(z), ln(x))
    spellings: tuple[str, ...] = ()
    #: the derivative jumps at z = 0 (relu, leaky_relu): displays explain 1[z > 0], the
    #: exercise generator keeps z away from 0
    kink: bool = False
    #: straight pieces (relu, leaky_relu, identity): z, a, ∂L/∂a and δ of one unit can be equal
    #: by definition
    piecewise_linear: bool = False
    #: the label (content.labels) of the note on f′(0) when a unit sits exactly at the kink
    kink_words: str = ""
    #: a = z for z > 0 (elu): z, a, ∂L/∂a and δ of one unit can be equal by definition there
    identity_above_zero: bool = False
    #: the derivative is 0 for every z < 0 (a dead unit)
    dead_below_zero: bool = False
    #: acts on a whole layer (softmax), so only on the output layer
    elementwise: bool = True
    #: the handout writes the activation out with exponentials (σ, tanh)
    exponential_form: bool = False
    #: how an expression writes it between its operands (+, *, **); empty: called f(a, b)
    infix: str = ""
    #: how many inputs it takes in an expression (add and multiply take two at a time)
    arity: int = 1
    #: the label (content.labels) naming what a gate of it does to the gradient (add
    #: distributes, multiply swaps); empty: the generic "upstream × local"
    gate_words: str = ""
    #: why a value may be outside its domain, for the one-line error (division by zero)
    undefined_words: str = ""

    @property
    def call_name(self) -> str:
        return self.call or self.name

    @property
    def prose_name(self) -> str:
        return self.prose or self.name

    @property
    def prime_stem(self) -> str:
        return self.prime or self.name


@dataclass(frozen=True)
class Loss:
    """A loss over the outputs of one sample."""

    name: str
    english: str
    chinese: str
    #: the output activation it cancels with: δ = o − y (softmax + cross_entropy) or
    #: (o − y)/K (sigmoid + bce); the spec requires exactly that activation on the output
    cancels_with: str = ""
    #: the exercise generator can draw targets for it
    drawn: bool = True
    #: L is one output itself (no targets)
    objective: bool = False
    #: ½ in front (½ Σ (o − y)²): a hand calculation may drop it
    halved: bool = False
    #: averages over the K outputs, so a cancelled δ is (o − y)/K rather than o − y
    mean_over_outputs: bool = False
    #: the label (content.labels) of the sentence saying why δ cancels
    cancellation_words: str = ""
    #: targets are a class index or a probability distribution (cross-entropy)
    class_targets: bool = False
    #: targets lie in [0, 1] (binary cross-entropy)
    unit_targets: bool = False
    #: targets are a class index only, never a distribution (hinge, nll: torch takes indices)
    index_targets: bool = False
    #: the number it takes from the spec (huber's delta, hinge's margin), a top-level key
    parameter: Parameter | None = None
    #: torch.nn's module for it; with reduction="sum" over a batch it gives Σ over samples of
    #: K^torch_outputs_power × symbp's L of one sample (K outputs): −1 for a mean over the
    #: outputs (nn.HuberLoss), 0 for a loss per sample (nn.NLLLoss), 1 for CS231n's hinge,
    #: which nn.MultiMarginLoss divides by K
    torch_module: str = ""
    torch_outputs_power: int = 0
    #: the constant symbp's L has in front of torch's (½ of half_sse)
    torch_factor: float = 1.0
    #: from_torch reads torch_module as this loss (hinge leaves nn.MultiMarginLoss, which is
    #: exactly multi_margin, to multi_margin)
    read_from_torch: bool = True
    #: displays write the worked sample's class in (hinge: 1[o1 − o2 + Δ > 0] for class 2)
    #: rather than o_y as the one-hot sum Σ_m y_m·o_m the graph computes with
    shows_sample_class: bool = False
    #: ∂L/∂o_k is 0 by definition for every output but the target class's (nll: −y_k), so a
    #: gradient of exactly 0 there is no poor draw of an exercise
    zero_off_class: bool = False
    #: what courses and libraries also call it (mse is torch's MSELoss, mean over the outputs):
    #: an unknown name that is one of these is answered with this loss, by meaning rather than
    #: by spelling (mse is closer to sse in letters)
    also_called: tuple[str, ...] = ()


@dataclass(frozen=True)
class Optimizer:
    """An update rule of torch.optim."""

    name: str
    label: str  # how prose and torch name it: SGD, Adam, AdamW
    keys: tuple[str, ...]  # the spec keys its table accepts besides `name`
    default_learning_rate: float
    #: moments (Adam's m, v) rather than a momentum buffer
    adaptive: bool = False
    #: weight decay shrinks the parameter (AdamW) instead of joining the gradient
    decoupled_decay: bool = False
    default_weight_decay: float = 0.0
    #: which of symbp.core.optim's rules it is: sgd, adam (Adam, AdamW), rmsprop, adagrad
    family: str = "sgd"
    default_eps: float = 1e-8


# -- arithmetic --------------------------------------------------------------------------------

ADD = Operation(
    "add",
    "addition",
    "加法",
    torch_function="torch.add",
    infix="+",
    arity=2,
    gate_words="gate_add",
)
MULTIPLY = Operation(
    "multiply",
    "multiplication",
    "乘法",
    torch_function="torch.mul",
    infix="*",
    arity=2,
    gate_words="gate_multiply",
)
SUBTRACT = Operation(
    "subtract",
    "subtraction",
    "减法",
    torch_function="torch.sub",
    infix="-",
    arity=2,
    gate_words="gate_subtract",
)
DIVIDE = Operation(
    "divide",
    "division",
    "除法",
    torch_function="torch.div",
    infix="/",
    arity=2,
    undefined_words="division by zero",
)
POWER = Operation(
    "power",
    "power",
    "乘方",
    torch_function="torch.pow",
    infix="**",
    arity=2,
    undefined_words="a power of zero or of a negative number",
)
#: unary minus: −a (micrograd's neg, a multiply by −1 in CS231n's circuits)
NEGATE = Operation(
    "negate",
    "negation",
    "取负",
    torch_function="torch.neg",
    infix="-",
    gate_words="gate_negate",
)
EXP = Operation("exp", "exponential", "指数函数", torch_function="torch.exp", spellings=("exp",))
LOG = Operation(
    "log",
    "natural logarithm",
    "自然对数",
    latex=r"\log",
    torch_function="torch.log",
    spellings=("ln", "log"),
    undefined_words="the logarithm of a number that is not positive",
)
MAX = Operation(
    "max",
    "maximum",
    "最大值",
    latex=r"\max",
    torch_function="torch.maximum",
    arity=2,
    kink=True,
    gate_words="gate_max",
)
MIN = Operation(
    "min",
    "minimum",
    "最小值",
    latex=r"\min",
    torch_function="torch.minimum",
    arity=2,
    kink=True,
    gate_words="gate_min",
)
ABS = Operation(
    "abs",
    "absolute value",
    "绝对值",
    upright=True,
    torch_function="torch.abs",
    kink=True,
    gate_words="gate_abs",
)

# -- activations -------------------------------------------------------------------------------

SIGMOID = Operation(
    "sigmoid",
    "logistic sigmoid",
    "Sigmoid 函数",
    call="sigma",
    prime="σ",
    text="σ",
    latex=r"\sigma",
    torch_module="Sigmoid",
    torch_function="torch.sigmoid",
    exponential_form=True,
    spellings=("sigmoid", "sigma", "sig", "σ"),
)
TANH = Operation(
    "tanh",
    "hyperbolic tangent",
    "双曲正切",
    latex=r"\tanh",
    upright=True,
    torch_module="Tanh",
    torch_function="torch.tanh",
    exponential_form=True,
)
RELU = Operation(
    "relu",
    "rectified linear unit",
    "线性整流函数",
    upright=True,
    torch_module="ReLU",
    torch_function="torch.relu",
    torch_settings=(_INPLACE,),
    kink=True,
    kink_words="kink_relu",
    piecewise_linear=True,
    dead_below_zero=True,
    gate_words="gate_relu",
)
LEAKY_RELU = Operation(
    "leaky_relu",
    "leaky rectified linear unit",
    "带泄露线性整流函数",
    prose="Leaky ReLU",
    torch_module="LeakyReLU",
    torch_function="torch.nn.functional.leaky_relu",
    parameter=Parameter("negative_slope", 0.01),
    torch_settings=(_INPLACE,),
    kink=True,
    kink_words="kink_leaky",
    piecewise_linear=True,
)
IDENTITY = Operation(
    "identity",
    "identity",
    "恒等函数",
    upright=True,
    torch_module="Identity",
    torch_function="",
    piecewise_linear=True,
)
SOFTMAX = Operation(
    "softmax",
    "softmax",
    "Softmax 函数",
    torch_module="Softmax",
    torch_function="torch.softmax",
    # over the features of each sample (nn.LogSoftmax is read by the same rule)
    torch_settings=(TorchSetting("dim", (1, -1)),),
    elementwise=False,
)

ELU = Operation(
    "elu",
    "exponential linear unit",
    "指数线性单元",
    upright=True,
    torch_module="ELU",
    torch_function="torch.nn.functional.elu",
    parameter=Parameter("alpha", 1.0),
    torch_settings=(_INPLACE,),
    kink=True,
    identity_above_zero=True,
    kink_words="kink_elu",
)
SOFTPLUS = Operation(
    "softplus",
    "softplus",
    "Softplus 函数",
    upright=True,
    torch_module="Softplus",
    torch_function="torch.nn.functional.softplus",
    # log(1 + e^z) is beta 1; torch returns z itself above the threshold (20: a difference
    # below 3e-9 from log(1 + e^z), which symbp keeps)
    torch_settings=(TorchSetting("beta", (1.0,)), TorchSetting("threshold", (20.0,))),
)
SILU = Operation(
    "silu",
    "sigmoid linear unit (swish)",
    "SiLU 函数",
    upright=True,
    torch_module="SiLU",
    torch_function="torch.nn.functional.silu",
    torch_settings=(_INPLACE,),
)
GELU = Operation(
    "gelu",
    "Gaussian error linear unit",
    "高斯误差线性单元",
    upright=True,
    torch_module="GELU",
    torch_function="torch.nn.functional.gelu",
    # torch's exact z·Φ(z) ("none") or its tanh approximation ("tanh")
    parameter=Parameter("approximate", "none", choices=("none", "tanh")),
)
#: the standard normal distribution function and density, which gelu and gelu′ are made of
NORMAL_CDF = Operation(
    "normal_cdf",
    "standard normal distribution function",
    "标准正态分布函数",
    call="Phi",
    text="Φ",
    latex=r"\Phi",
)
NORMAL_PDF = Operation(
    "normal_pdf",
    "standard normal density",
    "标准正态分布密度",
    call="phi",
    text="φ",
    latex=r"\phi",
)

ARITHMETIC = (
    ADD,
    MULTIPLY,
    SUBTRACT,
    DIVIDE,
    POWER,
    NEGATE,
    EXP,
    LOG,
    MAX,
    MIN,
    ABS,
    NORMAL_CDF,
    NORMAL_PDF,
)
ACTIVATIONS = (SIGMOID, TANH, RELU, LEAKY_RELU, IDENTITY, SOFTMAX, ELU, SOFTPLUS, SILU, GELU)

# -- losses ------------------------------------------------------------------------------------

# from_torch reads nn.MSELoss, nn.BCELoss and nn.CrossEntropyLoss by their own rules (the
# reduction picks the loss, the model's last module the activation): read_from_torch=False
HALF_SSE = Loss(
    "half_sse",
    "half the sum of squared errors",
    "误差平方和的一半",
    halved=True,
    torch_module="MSELoss",
    torch_factor=0.5,
    read_from_torch=False,
)
SSE = Loss(
    "sse",
    "sum of squared errors",
    "误差平方和",
    torch_module="MSELoss",
    read_from_torch=False,
    also_called=("sum_squared_error", "sum_of_squares"),
)
MSE_MEAN = Loss(
    "mse_mean",
    "mean squared error",
    "均方误差",
    torch_module="MSELoss",
    torch_outputs_power=-1,
    read_from_torch=False,
    also_called=("mse", "mean_squared_error", "mseloss"),
)
#: the losses that cancel with their output activation take torch's logits (cancels_with):
#: BCEWithLogitsLoss is BCELoss(sigmoid(z)) computed without overflow
BCE = Loss(
    "bce",
    "binary cross-entropy",
    "二元交叉熵",
    cancels_with=SIGMOID.name,
    unit_targets=True,
    mean_over_outputs=True,
    cancellation_words="sigmoid_bce",
    torch_module="BCEWithLogitsLoss",
    torch_outputs_power=-1,
    read_from_torch=False,
    also_called=("binary_cross_entropy", "bceloss", "bcewithlogitsloss", "log_loss", "logistic"),
)
CROSS_ENTROPY = Loss(
    "cross_entropy",
    "cross-entropy",
    "交叉熵",
    cancels_with=SOFTMAX.name,
    class_targets=True,
    cancellation_words="softmax_ce",
    torch_module="CrossEntropyLoss",
    read_from_torch=False,
    also_called=("ce", "crossentropy", "crossentropyloss", "categorical_cross_entropy", "softmax"),
)
OUTPUT = Loss("output", "one output itself", "网络的一个输出", drawn=False, objective=True)
HUBER = Loss(
    "huber",
    "Huber loss",
    "Huber 损失",
    parameter=Parameter("delta", 1.0, minimum=0.0, above_minimum=True),
    torch_module="HuberLoss",
    torch_outputs_power=-1,
)
SMOOTH_L1 = Loss(
    "smooth_l1",
    "smooth L1 loss",
    "平滑 L1 损失",
    parameter=Parameter("beta", 1.0, minimum=0.0, above_minimum=True),
    torch_module="SmoothL1Loss",
    torch_outputs_power=-1,
)
L1 = Loss(
    "l1", "mean absolute error", "平均绝对误差", torch_module="L1Loss", torch_outputs_power=-1
)
#: CS231n's multiclass SVM loss L = Σ_{j≠y} max(0, s_j − s_y + Δ); nn.MultiMarginLoss divides
#: it by the number of classes K (multi_margin below)
HINGE = Loss(
    "hinge",
    "multiclass hinge (SVM) loss",
    "多类合页（SVM）损失",
    class_targets=True,
    index_targets=True,
    parameter=Parameter("margin", 1.0, minimum=0.0),
    torch_module="MultiMarginLoss",
    torch_outputs_power=1,
    read_from_torch=False,
    shows_sample_class=True,
)
MULTI_MARGIN = Loss(
    "multi_margin",
    "multiclass margin loss (hinge over K)",
    "多类间隔损失（合页损失除以类别数）",
    class_targets=True,
    index_targets=True,
    parameter=Parameter("margin", 1.0, minimum=0.0),
    torch_module="MultiMarginLoss",
    shows_sample_class=True,
)
#: the outputs are log-probabilities: L = −o_y (nn.NLLLoss)
NLL = Loss(
    "nll",
    "negative log-likelihood",
    "负对数似然",
    class_targets=True,
    index_targets=True,
    torch_module="NLLLoss",
    zero_off_class=True,
)
LOSSES = (
    HALF_SSE,
    SSE,
    MSE_MEAN,
    BCE,
    CROSS_ENTROPY,
    OUTPUT,
    HUBER,
    SMOOTH_L1,
    L1,
    HINGE,
    MULTI_MARGIN,
    NLL,
)

# -- optimizers --------------------------------------------------------------------------------

_ADAM_KEYS = ("betas", "eps", "weight_decay", "amsgrad")
SGD = Optimizer("sgd", "SGD", ("momentum", "dampening", "nesterov", "weight_decay"), 1.0)
ADAM = Optimizer("adam", "Adam", _ADAM_KEYS, 1e-3, adaptive=True, family="adam")
ADAMW = Optimizer(
    "adamw",
    "AdamW",
    _ADAM_KEYS,
    1e-3,
    adaptive=True,
    decoupled_decay=True,
    default_weight_decay=0.01,
    family="adam",
)
RMSPROP = Optimizer(
    "rmsprop",
    "RMSprop",
    ("alpha", "eps", "weight_decay", "momentum", "centered"),
    1e-2,
    adaptive=True,
    family="rmsprop",
)
ADAGRAD = Optimizer(
    "adagrad",
    "Adagrad",
    ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"),
    1e-2,
    adaptive=True,
    family="adagrad",
    default_eps=1e-10,
)
OPTIMIZERS = (SGD, ADAM, ADAMW, RMSPROP, ADAGRAD)

ARITHMETIC_NAMES = tuple(op.name for op in ARITHMETIC)
ACTIVATION_NAMES = tuple(op.name for op in ACTIVATIONS)
LOSS_NAMES = tuple(loss.name for loss in LOSSES)
OPTIMIZER_NAMES = tuple(opt.name for opt in OPTIMIZERS)

_ACTIVATIONS = {op.name: op for op in ACTIVATIONS}
_OPERATIONS = {op.name: op for op in ARITHMETIC + ACTIVATIONS}
_LOSSES = {loss.name: loss for loss in LOSSES}
_OPTIMIZERS = {opt.name: opt for opt in OPTIMIZERS}
_BY_TORCH_MODULE = {op.torch_module: op for op in ACTIVATIONS if op.torch_module}


#: names a user may reach for that symbp writes otherwise: how (kind, name) → the pointer
#: (kind, a name by which courses or libraries know an entry) -> the entry's name
ALSO_CALLED = {("loss", alias): loss.name for loss in LOSSES for alias in loss.also_called}

WRITTEN_OTHERWISE = {
    ("activation", "log_softmax"): (
        "log_softmax is not an activation here: write activation 'softmax' with loss "
        "'cross_entropy' (the same L, torch's LogSoftmax + NLLLoss), or identity outputs taken "
        "as log-probabilities with loss 'nll' (docs/losses.md)"
    ),
}


def unknown_name(kind: str, name: object, known: Iterable[str]) -> str:
    """One line: an unknown name of this kind, the known ones, and the nearest if close."""
    known = tuple(known)
    if isinstance(name, str) and (kind, name.strip()) in WRITTEN_OTHERWISE:
        return WRITTEN_OTHERWISE[(kind, name.strip())]
    line = f"unknown {kind} {name!r} (known: {', '.join(known)})"
    near = closest(name.strip(), known) if isinstance(name, str) else None
    if isinstance(name, str):  # a name meaning one of the table's: that, before spelling
        spelt = name.strip().casefold().replace("-", "_").replace(" ", "_")
        near = ALSO_CALLED.get((kind, spelt), near)
    if near is not None:
        line += f"; did you mean {near!r}?"
    return line


def operation_info(name: str) -> Operation:
    """The operation (arithmetic or activation) called `name`; SymbpError naming the known
    ones otherwise."""
    found = _OPERATIONS.get(name)
    if found is None:
        raise SymbpError(unknown_name("operation", name, tuple(_OPERATIONS)))
    return found


def activation_info(name: str) -> Operation:
    """The activation called `name`; SymbpError naming the known ones otherwise."""
    found = _ACTIVATIONS.get(name)
    if found is None:
        raise SymbpError(unknown_name("activation", name, ACTIVATION_NAMES))
    return found


def loss_info(name: str) -> Loss:
    """The loss called `name`; SymbpError naming the known ones otherwise."""
    found = _LOSSES.get(name)
    if found is None:
        raise SymbpError(unknown_name("loss", name, LOSS_NAMES))
    return found


def optimizer_info(name: str) -> Optimizer:
    """The optimizer called `name`; SymbpError naming the known ones otherwise."""
    found = _OPTIMIZERS.get(name)
    if found is None:
        raise SymbpError(unknown_name("optimizer", name, OPTIMIZER_NAMES))
    return found


def activation_of_torch_module(class_name: str) -> Operation | None:
    """The activation torch's module class `class_name` computes, if symbp knows it."""
    return _BY_TORCH_MODULE.get(class_name)


def loss_of_torch_module(class_name: str) -> Loss | None:
    """The loss from_torch reads torch's loss module `class_name` as, when it is a table
    entry's module (nn.HuberLoss, nn.MultiMarginLoss, …)."""
    for loss in LOSSES:
        if loss.torch_module == class_name and loss.read_from_torch:
            return loss
    return None


def cancels(loss: str, activation: str) -> bool:
    """Whether the output δ simplifies for this loss after this output activation."""
    found = _LOSSES.get(loss)
    return found is not None and found.cancels_with != "" and found.cancels_with == activation


#: the parameters activations and losses take from a spec, by spec key (negative_slope,
#: alpha, delta, …)
PARAMETERS = {
    entry.parameter.key: entry.parameter
    for entry in (*ACTIVATIONS, *LOSSES)
    if entry.parameter is not None
}
#: every spelling a hand formula may use for an operation (σ, sigmoid, ln, …)
SPELLINGS = {spelling: op.name for op in ARITHMETIC + ACTIVATIONS for spelling in op.spellings}
#: LaTeX's commands for the functions displays call, by the name they call them
LATEX_COMMANDS = {op.call_name: op.latex for op in ARITHMETIC + ACTIVATIONS if op.latex}
#: plain text's spellings of the functions displays call (σ), by call name
TEXT_SPELLINGS = {op.call_name: op.text for op in ARITHMETIC + ACTIVATIONS if op.text}
#: stems LaTeX sets upright when they name a function (tanh′, relu′)
UPRIGHT_STEMS = tuple(op.name for op in ACTIVATIONS if op.upright)
