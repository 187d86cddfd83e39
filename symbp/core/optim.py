"""Optimizers: torch.optim's SGD, Adam and AdamW as equations and as numbers.

Each optimizer is an UpdateRule: a few equations `target ← formula` in sympy, written in named
symbols (p_{t−1}, g_t, b_t, m_t, v_t, m̂_t, v̂_t, γ, μ, τ, λ, β1, β2, ε, t), so that a display
can show every one with its numbers substituted. `apply` runs the same rule for every parameter
at once with numpy, in torch's own order of operations (torch/optim/sgd.py and adam.py,
single-tensor path), so that its numbers are torch.optim's to the last bits; the tests check
both that the equations give these numbers and that torch.optim does.

torch's conventions, which textbooks often write differently:
- SGD's momentum buffer starts as the first gradient itself (b_1 = g_1, no dampening), and the
  learning rate multiplies the buffer, not the gradient inside it (b_t = μ·b_{t−1} + (1−τ)·g_t,
  p_t = p_{t−1} − γ·b_t). Nesterov steps along g_t + μ·b_t.
- weight_decay λ in SGD and Adam is added to the gradient (g_t + λ·p_{t−1}); AdamW instead
  shrinks the parameter first, p_{t−1}·(1 − γλ), and its moments never see λ.
- Adam's ε is added outside the square root: p_t = p_{t−1} − γ·m̂_t / (√v̂_t + ε), with
  m̂_t = m_t / (1 − β1^t) and v̂_t = v_t / (1 − β2^t); amsgrad uses max(v^max_{t−1}, v_t).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sympy as sp

from symbp.core.operations import ADAGRAD, ADAM, RMSPROP, SGD, optimizer_info
from symbp.core.spec import OptimizerSpec
from symbp.errors import SymbpError

# -- the symbols every rule is written in ----------------------------------------------------

P_PREV = sp.Symbol("p_prev", real=True)  # the parameter before the update, p_{t−1}
P_NEW = sp.Symbol("p_new", real=True)  # after it, p_t
G = sp.Symbol("g", real=True)  # ∂L/∂p at p_{t−1}
G_DECAYED = sp.Symbol("g_decayed", real=True)  # g_t + λ·p_{t−1} (SGD's, Adam's weight decay)
P_DECAYED = sp.Symbol("p_decayed", real=True)  # p_{t−1}·(1 − γλ) (AdamW's decoupled decay)
B_PREV = sp.Symbol("b_prev", real=True)  # SGD's momentum buffer (velocity), b_{t−1}
B_NEW = sp.Symbol("b_new", real=True)
D_NESTEROV = sp.Symbol("d", real=True)  # Nesterov's step direction g_t + μ·b_t
M_PREV = sp.Symbol("m_prev", real=True)  # Adam's first moment
M_NEW = sp.Symbol("m_new", real=True)
V_PREV = sp.Symbol("v_prev", nonnegative=True)  # Adam's second moment
V_NEW = sp.Symbol("v_new", nonnegative=True)
VMAX_PREV = sp.Symbol("vmax_prev", nonnegative=True)  # amsgrad's running maximum of v
VMAX_NEW = sp.Symbol("vmax_new", nonnegative=True)
M_HAT = sp.Symbol("m_hat", real=True)  # bias-corrected moments
V_HAT = sp.Symbol("v_hat", nonnegative=True)
S_PREV = sp.Symbol("s_prev", nonnegative=True)  # Adagrad's sum of squared gradients
S_NEW = sp.Symbol("s_new", nonnegative=True)
GBAR_PREV = sp.Symbol("gbar_prev", real=True)  # centered RMSprop's running mean of gradients
GBAR_NEW = sp.Symbol("gbar_new", real=True)
GAMMA_DECAYED = sp.Symbol("gamma_decayed", nonnegative=True)  # Adagrad's γ/(1 + (t − 1)κ)
ALPHA = sp.Symbol("alpha", nonnegative=True)  # RMSprop's smoothing constant
KAPPA = sp.Symbol("kappa", nonnegative=True)  # Adagrad's lr_decay
T = sp.Symbol("t", positive=True, integer=True)  # the update's number, 1 for the first
GAMMA = sp.Symbol("gamma", nonnegative=True)  # learning rate
MU = sp.Symbol("mu", nonnegative=True)  # momentum
TAU = sp.Symbol("tau", real=True)  # dampening
LAMBDA = sp.Symbol("lamda", nonnegative=True)  # weight decay
BETA1 = sp.Symbol("beta1", nonnegative=True)
BETA2 = sp.Symbol("beta2", nonnegative=True)
EPS = sp.Symbol("epsilon", nonnegative=True)

LATEX_NAMES: dict[sp.Symbol, str] = {
    P_PREV: "p_{t-1}",
    P_NEW: "p_{t}",
    G: "g_{t}",
    G_DECAYED: r"\tilde{g}_{t}",
    P_DECAYED: r"\tilde{p}_{t}",
    B_PREV: "b_{t-1}",
    B_NEW: "b_{t}",
    D_NESTEROV: "d_{t}",
    M_PREV: "m_{t-1}",
    M_NEW: "m_{t}",
    V_PREV: "v_{t-1}",
    V_NEW: "v_{t}",
    VMAX_PREV: r"v^{\max}_{t-1}",
    VMAX_NEW: r"v^{\max}_{t}",
    M_HAT: r"\hat{m}_{t}",
    V_HAT: r"\hat{v}_{t}",
    S_PREV: "s_{t-1}",
    S_NEW: "s_{t}",
    GBAR_PREV: r"\bar{g}_{t-1}",
    GBAR_NEW: r"\bar{g}_{t}",
    GAMMA_DECAYED: r"\tilde{\gamma}_{t}",
    ALPHA: r"\alpha",
    KAPPA: r"\kappa",
    T: "t",
    GAMMA: r"\gamma",
    MU: r"\mu",
    TAU: r"\tau",
    LAMBDA: r"\lambda",
    BETA1: r"\beta_{1}",
    BETA2: r"\beta_{2}",
    EPS: r"\varepsilon",
}
TEXT_NAMES: dict[sp.Symbol, str] = {
    P_PREV: "p_(t−1)",
    P_NEW: "p_t",
    G: "g_t",
    G_DECAYED: "g̃_t",
    P_DECAYED: "p̃_t",
    B_PREV: "b_(t−1)",
    B_NEW: "b_t",
    D_NESTEROV: "d_t",
    M_PREV: "m_(t−1)",
    M_NEW: "m_t",
    V_PREV: "v_(t−1)",
    V_NEW: "v_t",
    VMAX_PREV: "vmax_(t−1)",
    VMAX_NEW: "vmax_t",
    M_HAT: "m̂_t",
    V_HAT: "v̂_t",
    S_PREV: "s_(t−1)",
    S_NEW: "s_t",
    GBAR_PREV: "ḡ_(t−1)",
    GBAR_NEW: "ḡ_t",
    GAMMA_DECAYED: "γ̃_t",
    ALPHA: "α",
    KAPPA: "κ",
    T: "t",
    GAMMA: "γ",
    MU: "μ",
    TAU: "τ",
    LAMBDA: "λ",
    BETA1: "β1",
    BETA2: "β2",
    EPS: "ε",
}
#: what each symbol is, for prose
MEANINGS: dict[sp.Symbol, str] = {
    P_PREV: "the parameter before the update",
    P_NEW: "the parameter after the update",
    G: "the gradient ∂L/∂p at p_(t−1)",
    G_DECAYED: "the gradient with weight decay added",
    P_DECAYED: "the parameter after decoupled weight decay",
    B_NEW: "the momentum buffer (velocity)",
    D_NESTEROV: "Nesterov's step direction",
    M_NEW: "the first moment (running mean of gradients)",
    V_NEW: "the second moment (running mean of squared gradients)",
    VMAX_NEW: "the largest second moment so far (amsgrad)",
    M_HAT: "the bias-corrected first moment",
    V_HAT: "the bias-corrected second moment",
    S_NEW: "the sum of squared gradients (Adagrad)",
    GBAR_NEW: "the running mean of gradients (centered RMSprop)",
    GAMMA_DECAYED: "the learning rate after decay (Adagrad's lr_decay)",
    ALPHA: "smoothing constant of the squared-gradient average (RMSprop)",
    KAPPA: "learning-rate decay (Adagrad's lr_decay)",
    T: "the update's number, 1 for the first",
    GAMMA: "learning rate",
    MU: "momentum",
    TAU: "dampening",
    LAMBDA: "weight decay",
    BETA1: "first-moment decay rate",
    BETA2: "second-moment decay rate",
    EPS: "added to the denominator's square root",
}


@dataclass(frozen=True)
class Equation:
    """One line of an update rule, `target ← formula`, for one parameter.

    `first_round` is torch's different rule for the first update (t = 1), where it has one:
    SGD's momentum buffer is created as the gradient itself, b_1 = g_1.
    """

    target: sp.Symbol
    formula: sp.Expr
    first_round: sp.Expr | None = None

    def formula_for(self, round_number: int) -> sp.Expr:
        """The formula torch applies at update `round_number` (1 for the first)."""
        if round_number == 1 and self.first_round is not None:
            return self.first_round
        return self.formula


@dataclass(frozen=True)
class StateVariable:
    """State an optimizer keeps per parameter between updates (b, m, v, v^max)."""

    key: str  # "b", "m", "v" or "vmax": its key in OptimizerState.buffers
    previous: sp.Symbol  # its value before the update (b_{t−1})
    current: sp.Symbol  # after (b_t)
    meaning: str


@dataclass(frozen=True)
class UpdateRule:
    """An optimizer with its settings: the equations of one update, in order, and their symbols.

    Every formula uses P_PREV, G, the previous state, earlier targets, the hyperparameters and
    (for Adam's bias correction) T; the last equation's target is P_NEW.
    """

    optimizer: OptimizerSpec
    learning_rate: float
    equations: tuple[Equation, ...]
    state: tuple[StateVariable, ...]
    hyperparameters: dict[sp.Symbol, float]  # γ, and μ, τ, λ, β1, β2, ε where they appear

    @property
    def name(self) -> str:
        return self.optimizer.name

    @property
    def latex_names(self) -> dict[sp.Symbol, str]:
        return LATEX_NAMES

    @property
    def text_names(self) -> dict[sp.Symbol, str]:
        return TEXT_NAMES

    @property
    def description(self) -> str:
        """One line naming the optimizer and its settings as torch.optim takes them."""
        label = optimizer_info(self.name).label
        settings = [f"lr={self.learning_rate:g}"]
        for key, value in self.optimizer.settings().items():
            shown = f"({value[0]:g}, {value[1]:g})" if isinstance(value, tuple) else value
            settings.append(f"{key}={shown:g}" if isinstance(shown, float) else f"{key}={shown}")
        return f"torch.optim.{label}({', '.join(settings)})"


def update_rule(optimizer: OptimizerSpec, learning_rate: float) -> UpdateRule:
    """The equations of `optimizer` (torch.optim's rules), for any parameter."""
    return _RULES[optimizer_info(optimizer.name).family](optimizer, learning_rate)


def _sgd_rule(optimizer: OptimizerSpec, learning_rate: float) -> UpdateRule:
    equations: list[Equation] = []
    state: list[StateVariable] = []
    hyper: dict[sp.Symbol, float] = {GAMMA: learning_rate}
    gradient: sp.Expr = G
    if optimizer.weight_decay != 0:
        hyper[LAMBDA] = optimizer.weight_decay
        equations.append(Equation(G_DECAYED, G + LAMBDA * P_PREV))
        gradient = G_DECAYED
    direction: sp.Expr = gradient
    if optimizer.momentum != 0:
        hyper[MU] = optimizer.momentum
        new_share: sp.Expr = gradient
        if optimizer.dampening != 0:
            hyper[TAU] = optimizer.dampening
            new_share = (1 - TAU) * gradient
        # torch creates the buffer as g_1 unless a given state holds one (optimizer_state)
        given = any(key == "b" for key, _ in optimizer.initial)
        first = None if given else gradient
        equations.append(Equation(B_NEW, MU * B_PREV + new_share, first_round=first))
        state.append(StateVariable("b", B_PREV, B_NEW, MEANINGS[B_NEW]))
        direction = B_NEW
        if optimizer.nesterov:
            equations.append(Equation(D_NESTEROV, gradient + MU * B_NEW))
            direction = D_NESTEROV
    equations.append(Equation(P_NEW, P_PREV - GAMMA * direction))
    return UpdateRule(optimizer, learning_rate, tuple(equations), tuple(state), hyper)


def _adam_rule(optimizer: OptimizerSpec, learning_rate: float) -> UpdateRule:
    beta1, beta2 = optimizer.betas
    hyper: dict[sp.Symbol, float] = {
        GAMMA: learning_rate,
        BETA1: beta1,
        BETA2: beta2,
        EPS: optimizer.eps,
    }
    equations: list[Equation] = []
    base: sp.Expr = P_PREV
    gradient: sp.Expr = G
    if optimizer.weight_decay != 0:
        hyper[LAMBDA] = optimizer.weight_decay
        if optimizer_info(optimizer.name).decoupled_decay:
            equations.append(Equation(P_DECAYED, P_PREV * (1 - GAMMA * LAMBDA)))
            base = P_DECAYED
        else:
            equations.append(Equation(G_DECAYED, G + LAMBDA * P_PREV))
            gradient = G_DECAYED
    equations.append(Equation(M_NEW, BETA1 * M_PREV + (1 - BETA1) * gradient))
    equations.append(Equation(V_NEW, BETA2 * V_PREV + (1 - BETA2) * gradient**2))
    state = [
        StateVariable("m", M_PREV, M_NEW, MEANINGS[M_NEW]),
        StateVariable("v", V_PREV, V_NEW, MEANINGS[V_NEW]),
    ]
    second: sp.Expr = V_NEW
    if optimizer.amsgrad:
        equations.append(Equation(VMAX_NEW, sp.Max(VMAX_PREV, V_NEW)))
        state.append(StateVariable("vmax", VMAX_PREV, VMAX_NEW, MEANINGS[VMAX_NEW]))
        second = VMAX_NEW
    equations.append(Equation(M_HAT, M_NEW / (1 - BETA1**T)))
    equations.append(Equation(V_HAT, second / (1 - BETA2**T)))
    equations.append(Equation(P_NEW, base - GAMMA * M_HAT / (sp.sqrt(V_HAT) + EPS)))
    return UpdateRule(optimizer, learning_rate, tuple(equations), tuple(state), hyper)


def _rmsprop_rule(optimizer: OptimizerSpec, learning_rate: float) -> UpdateRule:
    """torch.optim.RMSprop: v_t = α·v_{t−1} + (1 − α)·g², p_t = p_{t−1} − γ·g/(√v_t + ε);
    centered divides by √(v_t − ḡ_t²) + ε; momentum keeps b_t = μ·b_{t−1} + g/(…), b_0 = 0."""
    hyper: dict[sp.Symbol, float] = {GAMMA: learning_rate, ALPHA: optimizer.alpha}
    hyper[EPS] = optimizer.eps
    equations: list[Equation] = []
    gradient: sp.Expr = G
    if optimizer.weight_decay != 0:
        hyper[LAMBDA] = optimizer.weight_decay
        equations.append(Equation(G_DECAYED, G + LAMBDA * P_PREV))
        gradient = G_DECAYED
    equations.append(Equation(V_NEW, ALPHA * V_PREV + (1 - ALPHA) * gradient**2))
    state = [StateVariable("v", V_PREV, V_NEW, MEANINGS[V_NEW])]
    spread: sp.Expr = V_NEW
    if optimizer.centered:
        equations.append(Equation(GBAR_NEW, ALPHA * GBAR_PREV + (1 - ALPHA) * gradient))
        state.append(StateVariable("gbar", GBAR_PREV, GBAR_NEW, MEANINGS[GBAR_NEW]))
        spread = V_NEW - GBAR_NEW**2
    scaled = gradient / (sp.sqrt(spread) + EPS)
    if optimizer.momentum != 0:
        hyper[MU] = optimizer.momentum
        equations.append(Equation(B_NEW, MU * B_PREV + scaled))
        state.append(StateVariable("b", B_PREV, B_NEW, MEANINGS[B_NEW]))
        equations.append(Equation(P_NEW, P_PREV - GAMMA * B_NEW))
    else:
        equations.append(Equation(P_NEW, P_PREV - GAMMA * scaled))
    return UpdateRule(optimizer, learning_rate, tuple(equations), tuple(state), hyper)


def _adagrad_rule(optimizer: OptimizerSpec, learning_rate: float) -> UpdateRule:
    """torch.optim.Adagrad: γ̃_t = γ/(1 + (t − 1)·κ), s_t = s_{t−1} + g², p_t = p_{t−1} −
    γ̃_t·g/(√s_t + ε), s_0 = initial_accumulator_value."""
    hyper: dict[sp.Symbol, float] = {GAMMA: learning_rate, EPS: optimizer.eps}
    equations: list[Equation] = []
    gradient: sp.Expr = G
    if optimizer.weight_decay != 0:
        hyper[LAMBDA] = optimizer.weight_decay
        equations.append(Equation(G_DECAYED, G + LAMBDA * P_PREV))
        gradient = G_DECAYED
    rate: sp.Expr = GAMMA
    if optimizer.lr_decay != 0:
        hyper[KAPPA] = optimizer.lr_decay
        equations.append(Equation(GAMMA_DECAYED, GAMMA / (1 + (T - 1) * KAPPA)))
        rate = GAMMA_DECAYED
    equations.append(Equation(S_NEW, S_PREV + gradient**2))
    equations.append(Equation(P_NEW, P_PREV - rate * gradient / (sp.sqrt(S_NEW) + EPS)))
    state = (StateVariable("s", S_PREV, S_NEW, MEANINGS[S_NEW]),)
    return UpdateRule(optimizer, learning_rate, tuple(equations), state, hyper)


# -- numbers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptimizerState:
    """What an optimizer carries between updates, for every parameter (symbp's order).

    `rounds` is how many updates were made (torch's `step`); `buffers` maps a state key (b, m,
    v, vmax) to one value per parameter. SGD's momentum buffer is absent until round 1 creates it.
    """

    rounds: int = 0
    buffers: dict[str, tuple[float, ...]] | None = None

    def buffer(self, key: str) -> tuple[float, ...] | None:
        return None if self.buffers is None else self.buffers.get(key)


def initial_state(rule: UpdateRule, count: int) -> OptimizerState:
    """The state before the first update: Adam's moments are zero, SGD's buffer does not exist."""
    start = rule.optimizer.initial_accumulator_value  # Adagrad's s_0; 0 for every other state
    buffers = {
        variable.key: ((start if variable.key == "s" else 0.0),) * count
        for variable in rule.state
        if variable.key != "b" or optimizer_info(rule.name).family != SGD.family
    }
    # a given state (optimizer_state) replaces torch's start, as loading torch's state_dict
    buffers.update(dict(rule.optimizer.initial))
    return OptimizerState(rule.optimizer.initial_step, buffers)


@dataclass(frozen=True)
class ParameterUpdate:
    """One parameter's update in one round: every symbol of the rule with its number.

    `values` holds p_{t−1}, g_t, the state before and after, every intermediate (g̃, m̂, v̂, …),
    p_t, t and the hyperparameters: substituting them into `equations` gives each line as
    formula = numbers = value.
    """

    name: str
    rule: UpdateRule
    round: int  # t: 1 for the first update
    values: dict[sp.Symbol, float]

    @property
    def equations(self) -> tuple[tuple[sp.Symbol, sp.Expr], ...]:
        """(target, formula) in order, with this round's formula (torch's round-1 rules)."""
        return tuple((eq.target, eq.formula_for(self.round)) for eq in self.rule.equations)

    @property
    def value_before(self) -> float:
        return self.values[P_PREV]

    @property
    def gradient(self) -> float:
        return self.values[G]

    @property
    def value_after(self) -> float:
        return self.values[P_NEW]

    @property
    def state_before(self) -> dict[str, float]:
        """b, m, v or vmax before the update (absent for SGD's buffer before round 1)."""
        known = self.values
        return {v.key: known[v.previous] for v in self.rule.state if v.previous in known}

    @property
    def state_after(self) -> dict[str, float]:
        return {v.key: self.values[v.current] for v in self.rule.state}

    def evaluate(self, formula: sp.Expr) -> float:
        """A formula of the rule evaluated at this update's numbers (how a display checks)."""
        exact = {s: sp.Float(v, 30) for s, v in self.values.items()}
        return float(formula.xreplace(exact).evalf(30))


@dataclass(frozen=True)
class OptimizerStep:
    """One update of every parameter: the rule, the round, and every number it involves.

    `values` maps each symbol of the rule (P_PREV, G, the state before and after, every
    equation's target, P_NEW) to one value per parameter, in symbp's parameter order.
    """

    rule: UpdateRule
    round: int  # t: 1 for the first update
    names: tuple[str, ...]
    values: dict[sp.Symbol, tuple[float, ...]]
    state_before: OptimizerState
    state_after: OptimizerState

    @property
    def new_parameters(self) -> tuple[float, ...]:
        return self.values[P_NEW]

    @property
    def parameters(self) -> tuple[ParameterUpdate, ...]:
        return tuple(self._update(index, name) for index, name in enumerate(self.names))

    def parameter(self, name: str) -> ParameterUpdate:
        """One parameter's update with every number of its equations."""
        index = self._positions.get(name)
        if index is None:
            raise SymbpError(
                f"unknown parameter {name!r}; this step updates {', '.join(self.names)}"
            )
        return self._update(index, name)

    @cached_property
    def _positions(self) -> dict[str, int]:
        # a dict, not names.index: every parameter of 20,000 looked up cost 20,000 steps each
        return {name: index for index, name in enumerate(self.names)}

    def _update(self, index: int, name: str) -> ParameterUpdate:
        values = {symbol: column[index] for symbol, column in self.values.items()}
        values.update(self.rule.hyperparameters)
        values[T] = float(self.round)
        return ParameterUpdate(name, self.rule, self.round, values)


def apply(
    rule: UpdateRule,
    names: tuple[str, ...],
    parameters: tuple[float, ...],
    gradients: tuple[float, ...],
    state: OptimizerState | None = None,
) -> OptimizerStep:
    """One update of every parameter, in torch.optim's order of operations."""
    import numpy as np

    state = state if state is not None else initial_state(rule, len(parameters))
    p = np.asarray(parameters, dtype=np.float64)
    g = np.asarray(gradients, dtype=np.float64)
    values: dict[sp.Symbol, Any] = {P_PREV: p, G: g}
    buffers: dict[str, Any] = {}
    round_number = state.rounds + 1
    _NUMBERS[optimizer_info(rule.name).family](rule, state, round_number, p, g, values, buffers)
    for index in np.flatnonzero(~np.isfinite(np.broadcast_to(values[P_NEW], p.shape))):
        if rule.name != SGD.name and g[index] == 0:
            raise SymbpError(
                f"the update of {names[index]} is 0/0: its gradient is 0 and eps = 0 (give the "
                "optimizer eps > 0)"
            )
        raise SymbpError(
            f"the update of {names[index]} is not a finite number: lower the learning rate"
        )
    size = len(parameters)
    columns = {
        symbol: tuple(float(v) for v in np.broadcast_to(array, (size,)))
        for symbol, array in values.items()
    }
    after = OptimizerState(
        round_number,
        {key: tuple(float(v) for v in array) for key, array in buffers.items()},
    )
    return OptimizerStep(rule, round_number, names, columns, state, after)


def _sgd_numbers(
    rule: UpdateRule,
    state: OptimizerState,
    round_number: int,
    p: Any,
    g: Any,
    values: dict[sp.Symbol, Any],
    buffers: dict[str, Any],
) -> None:
    """torch/optim/sgd.py, _single_tensor_sgd."""
    import numpy as np

    settings = rule.optimizer
    gamma = rule.learning_rate
    direction = g
    if settings.weight_decay != 0:
        direction = g + settings.weight_decay * p  # grad.add(param, alpha=weight_decay)
        values[G_DECAYED] = direction
    if settings.momentum != 0:
        previous = state.buffer("b")
        if previous is None:
            buffer = direction.copy()  # torch: the buffer starts as the gradient itself
        else:
            before = np.asarray(previous, dtype=np.float64)
            values[B_PREV] = before
            # buf.mul_(momentum).add_(grad, alpha=1 - dampening)
            buffer = before * settings.momentum + (1 - settings.dampening) * direction
        values[B_NEW] = buffer
        buffers["b"] = buffer
        if settings.nesterov:
            direction = direction + settings.momentum * buffer  # grad.add(buf, alpha=momentum)
            values[D_NESTEROV] = direction
        else:
            direction = buffer
    values[P_NEW] = p + (-gamma) * direction  # param.add_(grad, alpha=-lr)


def _adam_numbers(
    rule: UpdateRule,
    state: OptimizerState,
    round_number: int,
    p: Any,
    g: Any,
    values: dict[sp.Symbol, Any],
    buffers: dict[str, Any],
) -> None:
    """torch/optim/adam.py, _single_tensor_adam (not capturable, not differentiable)."""
    import numpy as np

    settings = rule.optimizer
    gamma = rule.learning_rate
    beta1, beta2 = settings.betas
    size = len(p)

    def previous(key: str) -> Any:
        stored = state.buffer(key)
        return np.zeros(size) if stored is None else np.asarray(stored, dtype=np.float64)

    m_before, v_before = previous("m"), previous("v")
    values[M_PREV], values[V_PREV] = m_before, v_before
    base = p
    if settings.weight_decay != 0:
        if optimizer_info(rule.name).decoupled_decay:
            base = p * (1 - gamma * settings.weight_decay)  # param.mul_(1 - lr * weight_decay)
            values[P_DECAYED] = base
        else:
            g = g + settings.weight_decay * p  # grad.add(param, alpha=weight_decay)
            values[G_DECAYED] = g
    m = _lerp(m_before, g, 1 - beta1)  # exp_avg.lerp_(grad, 1 - beta1)
    v = v_before * beta2 + (1 - beta2) * g * g  # exp_avg_sq.mul_(beta2).addcmul_(g, g, 1 - beta2)
    values[M_NEW], values[V_NEW] = m, v
    buffers["m"], buffers["v"] = m, v
    step = float(round_number)
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    step_size = gamma / bias_correction1
    bias_correction2_sqrt = bias_correction2**0.5
    second = v
    if settings.amsgrad:
        vmax_before = previous("vmax")
        values[VMAX_PREV] = vmax_before
        second = np.maximum(vmax_before, v)
        values[VMAX_NEW] = second
        buffers["vmax"] = second
    denominator = np.sqrt(second) / bias_correction2_sqrt + settings.eps
    # what the display shows; torch folds the corrections into step_size and the denominator
    values[M_HAT] = m / bias_correction1
    values[V_HAT] = second / bias_correction2
    values[P_NEW] = base + (-step_size) * m / denominator  # addcdiv_(m, denom, value=-step_size)


def _lerp(start: Any, end: Any, weight: float) -> Any:
    """torch.lerp as its CPU kernel computes it (two forms, by the size of the weight)."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def _rmsprop_numbers(
    rule: UpdateRule,
    state: OptimizerState,
    round_number: int,
    p: Any,
    g: Any,
    values: dict[sp.Symbol, Any],
    buffers: dict[str, Any],
) -> None:
    """torch/optim/rmsprop.py, _single_tensor_rmsprop."""
    import numpy as np

    settings = rule.optimizer
    alpha = settings.alpha

    def previous(key: str) -> Any:
        stored = state.buffer(key)
        return np.zeros(len(p)) if stored is None else np.asarray(stored, dtype=np.float64)

    if settings.weight_decay != 0:
        g = g + settings.weight_decay * p  # grad.add(param, alpha=weight_decay)
        values[G_DECAYED] = g
    v_before = previous("v")
    values[V_PREV] = v_before
    v = v_before * alpha + (1 - alpha) * g * g  # square_avg.mul_(alpha).addcmul_(g, g, 1 − α)
    values[V_NEW] = buffers["v"] = v
    if settings.centered:
        gbar_before = previous("gbar")
        values[GBAR_PREV] = gbar_before
        gbar = _lerp(gbar_before, g, 1 - alpha)  # grad_avg.lerp_(grad, 1 − alpha)
        values[GBAR_NEW] = buffers["gbar"] = gbar
        average = np.sqrt(v + (-1.0) * gbar * gbar)  # square_avg.addcmul(ḡ, ḡ, value=−1).sqrt_()
    else:
        average = np.sqrt(v)
    average = average + settings.eps
    if settings.momentum > 0:
        b_before = previous("b")
        values[B_PREV] = b_before
        b = b_before * settings.momentum + g / average  # buf.mul_(μ).addcdiv_(grad, avg)
        values[B_NEW] = buffers["b"] = b
        values[P_NEW] = p + (-rule.learning_rate) * b  # param.add_(buf, alpha=−lr)
    else:
        values[P_NEW] = p + (-rule.learning_rate) * (g / average)  # addcdiv_(g, avg, −lr)


def _adagrad_numbers(
    rule: UpdateRule,
    state: OptimizerState,
    round_number: int,
    p: Any,
    g: Any,
    values: dict[sp.Symbol, Any],
    buffers: dict[str, Any],
) -> None:
    """torch/optim/adagrad.py, _single_tensor_adagrad (dense gradients)."""
    import numpy as np

    settings = rule.optimizer
    stored = state.buffer("s")
    s_before = (
        np.full(len(p), settings.initial_accumulator_value)
        if stored is None
        else np.asarray(stored, dtype=np.float64)
    )
    values[S_PREV] = s_before
    if settings.weight_decay != 0:
        g = g + settings.weight_decay * p
        values[G_DECAYED] = g
    rate = rule.learning_rate / (1 + (round_number - 1) * settings.lr_decay)
    if settings.lr_decay != 0:
        values[GAMMA_DECAYED] = np.float64(rate)
    s = s_before + g * g  # state_sum.addcmul_(grad, grad, value=1)
    values[S_NEW] = buffers["s"] = s
    std = np.sqrt(s) + settings.eps  # state_sum.sqrt().add_(eps)
    values[P_NEW] = p + (-rate) * (g / std)  # param.addcdiv_(grad, std, value=−clr)


_RULES = {
    SGD.family: _sgd_rule,
    ADAM.family: _adam_rule,
    RMSPROP.family: _rmsprop_rule,
    ADAGRAD.family: _adagrad_rule,
}
_NUMBERS = {
    SGD.family: _sgd_numbers,
    ADAM.family: _adam_numbers,
    RMSPROP.family: _rmsprop_numbers,
    ADAGRAD.family: _adagrad_numbers,
}
