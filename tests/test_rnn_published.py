"""Published backpropagation-through-time walkthroughs (issue 22): every printed number either
reproduced at its printed precision or shown to be the source's error, with torch's value and
where the error entered.

The expected values are worked here by hand arithmetic (math.tanh, the chain rule written out
for one hidden unit) and by torch's nn.RNN, never taken from symbp's output.
"""

from __future__ import annotations

import math

import pytest

from symbp.api.rnn import rnn
from tests.conftest import require_module


def _agrees(value: float, printed: float, decimals: int) -> bool:
    """`value` shown to `decimals` places is `printed` (half a unit of the last place)."""
    return abs(value - printed) <= 0.5 * 10.0**-decimals + 1e-12


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


# -- prachub ------------------------------------------------------------------------------------
# prachub, "Backpropagation Through Time (BPTT) – Complete Walkthrough"
# (https://prachub.com/resources/detailed-backpropagation-walkthrough): x = (1, 2), h0 = 0,
# W_x = 0.5, W_h = 0.1, b = 0, W_y = 2, targets (1, 2), L = ½Σ(y_t − target_t)², tanh cell,
# y_t = W_y h_t. Printed: h1 ≈ 0.4621, y1 = 0.9242, tanh(1.04621) ≈ 0.7790, y2 = 1.558,
# L1 = 0.00288, L2 = 0.0978, L = 0.1007, ∂L/∂y2 = −0.442, ∂L/∂h2 = −0.884,
# tanh′(a2) = 1 − 0.7790² = 0.3931, ∂L/∂a2 = −0.3475, ∂L/∂W_x at t = 2 = −0.695,
# ∂L/∂W_h at t = 2 = −0.1606.
PRACHUB = {
    "title": "prachub: BPTT complete walkthrough",
    "layers": [1, {"rnn": 1, "activation": "tanh"}, {"dense": 1, "activation": "identity"}],
    "inputs": [[1.0], [2.0]],
    "targets": [[1.0], [2.0]],
    "initial_state": [0.0],
    "weights": {"W_xh": [[0.5]], "W_hh": [[0.1]], "W_hy": [[2.0]]},
    "bias": "none",
    "loss": "half_sse",
}


def _prachub_by_hand(h2: float | None = None) -> dict[str, float]:
    """The walkthrough's quantities by hand; `h2` replaces tanh(a2) (the source's 0.7790)."""
    h1 = math.tanh(0.5 * 1 + 0.1 * 0)
    a2 = 0.5 * 2 + 0.1 * h1
    h2 = math.tanh(a2) if h2 is None else h2
    y1, y2 = 2 * h1, 2 * h2
    dy2 = y2 - 2
    dh2 = dy2 * 2
    slope2 = 1 - h2**2
    da2 = dh2 * slope2
    return {
        "h1": h1,
        "a2": a2,
        "y1": y1,
        "h2": h2,
        "y2": y2,
        "L1": 0.5 * (y1 - 1) ** 2,
        "L2": 0.5 * (y2 - 2) ** 2,
        "L": 0.5 * (y1 - 1) ** 2 + 0.5 * (y2 - 2) ** 2,
        "dy2": dy2,
        "dh2": dh2,
        "slope2": slope2,
        "da2": da2,
        "dWx_t2": da2 * 2,
        "dWh_t2": da2 * h1,
    }


#: each printed number; what it is: "right" (the true value at its printed precision),
#: "carried" (wrong, but the source's formula on the source's own printed numbers gives it: an
#: earlier error carried on) or "entered" (wrong even from the source's own numbers: an error
#: enters here); and the source's formula on its own printed numbers `p`
PRACHUB_PRINTED = [
    ("h1", "0.4621", "right", lambda p: math.tanh(0.5)),
    ("a2", "1.04621", "right", lambda p: 0.5 * 2 + 0.1 * p["h1"]),
    ("y1", "0.9242", "right", lambda p: 2.0 * p["h1"]),
    # tanh(1.04621) = 0.78033: the argument is right, the tanh is not
    ("h2", "0.7790", "entered", lambda p: math.tanh(p["a2"])),
    ("y2", "1.558", "carried", lambda p: 2.0 * p["h2"]),
    # ½(0.9242 − 1)² = 0.0028728: 0.00287
    ("L1", "0.00288", "entered", lambda p: 0.5 * (p["y1"] - 1) ** 2),
    # ½(1.558 − 2)² = 0.097682: 0.0977
    ("L2", "0.0978", "entered", lambda p: 0.5 * (p["y2"] - 2) ** 2),
    ("L", "0.1007", "carried", lambda p: p["L1"] + p["L2"]),
    ("dy2", "-0.442", "carried", lambda p: p["y2"] - 2),
    ("dh2", "-0.884", "carried", lambda p: p["dy2"] * 2),
    # 1 − 0.7790² = 0.39316: 0.3932 (the source wrote 1 − 0.6069)
    ("slope2", "0.3931", "entered", lambda p: 1 - p["h2"] ** 2),
    ("da2", "-0.3475", "carried", lambda p: p["dh2"] * p["slope2"]),
    ("dWx_t2", "-0.695", "carried", lambda p: p["da2"] * 2),
    ("dWh_t2", "-0.1606", "carried", lambda p: p["da2"] * p["h1"]),
]
PRINTED = {name: float(printed) for name, printed, _, _ in PRACHUB_PRINTED}


@pytest.fixture(scope="module")
def prachub() -> object:
    require_module("torch")
    return rnn(PRACHUB)


def _prachub_symbp(result: object) -> dict[str, float]:
    values = result.values  # type: ignore[attr-defined]
    grads = result.node_gradients  # type: ignore[attr-defined]
    terms = {name: dict(((s, t), v) for s, t, v in result.step_terms(name)) for name in  # type: ignore[attr-defined]
             ("W_xh[0,0]", "W_hh[0,0]")}  # fmt: skip
    h2 = values["h_2[0]"]
    return {
        "h1": values["h_1[0]"],
        "a2": values["z_2[0]"],
        "y1": values["o_1[0]"],
        "h2": h2,
        "y2": values["o_2[0]"],
        "L1": 0.5 * (values["o_1[0]"] - 1) ** 2,
        "L2": 0.5 * (values["o_2[0]"] - 2) ** 2,
        "L": result.loss,  # type: ignore[attr-defined]
        "dy2": grads["o_2[0]"],
        "dh2": grads["h_2[0]"],
        "slope2": 1 - h2**2,
        "da2": grads["z_2[0]"],
        "dWx_t2": terms["W_xh[0,0]"][(1, 2)],
        "dWh_t2": terms["W_hh[0,0]"][(1, 2)],
    }


@pytest.mark.parametrize(("name", "printed", "verdict", "from_source"), PRACHUB_PRINTED)
def test_prachub_every_printed_number(
    prachub: object, name: str, printed: str, verdict: str, from_source: object
) -> None:
    decimals = _decimals(printed)
    by_hand = _prachub_by_hand()[name]
    by_symbp = _prachub_symbp(prachub)[name]
    assert by_symbp == pytest.approx(by_hand, rel=1e-12, abs=1e-15)
    right = _agrees(by_symbp, float(printed), decimals)
    assert callable(from_source)
    follows = _agrees(from_source(PRINTED), float(printed), decimals)
    found = "right" if right else ("carried" if follows else "entered")
    assert found == verdict, (name, by_symbp, from_source(PRINTED))


def test_prachub_torch_says_where_the_error_entered(prachub: object) -> None:
    """torch's nn.RNN: h1 = 0.4621 as printed, h2 = 0.7803 (printed 0.7790), L = 0.0994
    (printed 0.1007); the source's a2 = 1.04621 is right, so the error entered at tanh."""
    import torch

    rnn_module = torch.nn.RNN(1, 1, bias=False, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn_module.weight_ih_l0.fill_(0.5)
        rnn_module.weight_hh_l0.fill_(0.1)
    x = torch.tensor([[[1.0], [2.0]]], dtype=torch.float64)
    with torch.no_grad():
        hidden, _ = rnn_module(x)
    h1, h2 = float(hidden[0, 0, 0]), float(hidden[0, 1, 0])
    outputs = 2 * hidden[0, :, 0]
    loss = float(0.5 * ((outputs - torch.tensor([1.0, 2.0], dtype=torch.float64)) ** 2).sum())
    assert _agrees(h1, 0.4621, 4)
    assert _agrees(h2, 0.7803, 4) and not _agrees(h2, 0.7790, 4)
    assert _agrees(loss, 0.0994, 4) and not _agrees(loss, 0.1007, 4)
    assert _agrees(0.5 * 2 + 0.1 * h1, 1.04621, 5)  # the argument of tanh is right
    values = prachub.values  # type: ignore[attr-defined]
    assert values["h_2[0]"] == pytest.approx(h2, abs=1e-12)
    assert prachub.loss == pytest.approx(loss, abs=1e-12)  # type: ignore[attr-defined]
    assert prachub.passed  # type: ignore[attr-defined]


# -- a Bengali walkthrough ------------------------------------------------------------------------
# "Tiny RNN model (1 hidden unit)", a BPTT walkthrough in Bengali kept as Markdown on GitHub
# (symbp's search index, file 39418632746; sections "0) Simple dataset" to "5) One-step weight
# update"): x = (1, 2, 3), targets (0.5, 1.0, 1.5), W_xh = 0.5, W_hh = 0.1, W_hy = 1, h0 = 0,
# a_t = W_xh x_t + W_hh h_{t−1}, h_t = tanh(a_t), y_t = W_hy h_t, L = ½Σ(y_t − t_t)²,
# learning rate 0.1. Every printed number, by name: (symbp's node, printed).
BENGALI = {
    "layers": [1, {"rnn": 1}, {"dense": 1}],
    "inputs": [[1.0], [2.0], [3.0]],
    "targets": [[0.5], [1.0], [1.5]],
    "weights": {"W_xh": [[0.5]], "W_hh": [[0.1]], "W_hy": [[1.0]]},
}
BENGALI_PRINTED = [
    ("a1", "0.5000"),
    ("a2", "1.0462"),
    ("a3", "1.5780"),
    ("h1", "0.4621"),
    ("h2", "0.7803"),
    ("h3", "0.9183"),
    ("L", "0.1940"),
    ("dy3", "-0.5817"),
    ("dh3", "-0.5817"),
    ("da3", "-0.09117"),
    ("dnext3", "-0.009117"),
    ("dy2", "-0.2197"),
    ("dh2", "-0.2288"),
    ("da2", "-0.08948"),
    ("dnext2", "-0.008948"),
    ("dy1", "-0.03788"),
    ("dh1", "-0.04683"),
    ("da1", "-0.03683"),
    ("dW_xh", "-0.48930"),
    ("dW_hh", "-0.11249"),
    ("dW_hy", "-0.72310"),
    ("W_xh_new", "0.54893"),
    ("W_hh_new", "0.11125"),
    ("W_hy_new", "1.07231"),
]


def _bengali_by_hand() -> dict[str, float]:
    x, targets = (1.0, 2.0, 3.0), (0.5, 1.0, 1.5)
    w_xh, w_hh, w_hy = 0.5, 0.1, 1.0
    h, a = [0.0], [0.0]
    for t in range(3):
        a.append(w_xh * x[t] + w_hh * h[-1])
        h.append(math.tanh(a[-1]))
    found: dict[str, float] = {}
    for t in (1, 2, 3):
        found[f"a{t}"], found[f"h{t}"] = a[t], h[t]
    found["L"] = sum(0.5 * (w_hy * h[t] - targets[t - 1]) ** 2 for t in (1, 2, 3))
    later = 0.0
    d_xh = d_hh = d_hy = 0.0
    for t in (3, 2, 1):
        dy = w_hy * h[t] - targets[t - 1]
        dh = dy * w_hy + later
        da = dh * (1 - h[t] ** 2)
        later = da * w_hh
        found[f"dy{t}"], found[f"dh{t}"], found[f"da{t}"], found[f"dnext{t}"] = dy, dh, da, later
        d_xh += da * x[t - 1]
        d_hh += da * h[t - 1]
        d_hy += dy * h[t]
    found.update(dW_xh=d_xh, dW_hh=d_hh, dW_hy=d_hy)
    found.update(W_xh_new=w_xh - 0.1 * d_xh, W_hh_new=w_hh - 0.1 * d_hh, W_hy_new=w_hy - 0.1 * d_hy)
    return found


def test_bengali_walkthrough_every_printed_number() -> None:
    require_module("torch")
    result = rnn(BENGALI)
    values, grads = result.values, result.node_gradients
    found: dict[str, float] = {"L": result.loss}
    for t in (1, 2, 3):
        found[f"a{t}"] = values[f"z_{t}[0]"]
        found[f"h{t}"] = values[f"h_{t}[0]"]
        found[f"dy{t}"] = grads[f"o_{t}[0]"]
        found[f"dh{t}"] = grads[f"h_{t}[0]"]
        found[f"da{t}"] = grads[f"z_{t}[0]"]
        # the error passed back to step t − 1: δ_t·W_hh, the term of ∂L/∂h_{t−1} through z_t
        found[f"dnext{t}"] = grads[f"z_{t}[0]"] * 0.1
    for name in ("W_xh", "W_hh", "W_hy"):
        found[f"d{name}"] = result.gradients[f"{name}[0,0]"]
    for name, start in (("W_xh", 0.5), ("W_hh", 0.1), ("W_hy", 1.0)):
        found[f"{name}_new"] = start - 0.1 * result.gradients[f"{name}[0,0]"]
    by_hand = _bengali_by_hand()
    for name, printed in BENGALI_PRINTED:
        assert found[name] == pytest.approx(by_hand[name], rel=1e-12, abs=1e-15), name
        assert _agrees(found[name], float(printed), _decimals(printed)), (name, found[name])
    assert result.passed  # nn.RNN, the torch loop and central differences agree


# -- AyanPaul2210/Deep-Learning-Tutorial ----------------------------------------------------------
# github.com/AyanPaul2210/Deep-Learning-Tutorial, "Problem Statement" notebook: x = (0.7, 0.5,
# 0.2), h0 = 0.1, W_xh = 0.9, W_hh = 0.5, b = 0.3, h_t = tanh(W_xh x_t + W_hh h_{t−1} + b).
# Printed ("Manual Solution"): h1 = tanh(0.98) ≈ 0.753, h2 = tanh(1.1265) ≈ 0.809,
# h3 = tanh(0.8845) ≈ 0.708. A non-zero initial state and a bias (b_ih here).
AYAN = {
    "layers": [1, {"rnn": 1, "activation": "tanh"}, {"dense": 1}],
    "inputs": [[0.7], [0.5], [0.2]],
    "initial_state": [0.1],
    "weights": {"W_xh": [[0.9]], "W_hh": [[0.5]], "W_hy": [[1.0]]},
    "bias": {"b_ih": [0.3]},
    "loss": "output",
    "target_steps": "last",
}


def test_ayan_paul_forward_numbers() -> None:
    """z1 = 0.98, h1 = 0.753 and z2 = 1.1265 are right; h2 = 0.809 is tanh(1.12653) = 0.80983
    cut off instead of rounded (0.810): the error entered there and is carried into
    z3 = 0.18 + 0.5·0.809 + 0.3 = 0.8845 (it is 0.8849); h3 = 0.708 is again cut off (tanh of
    the source's own 0.8845 is 0.70867, of the right 0.88491 is 0.70887: 0.709 either way)."""
    require_module("torch")
    result = rnn(AYAN)
    values = result.values
    h1 = math.tanh(0.9 * 0.7 + 0.5 * 0.1 + 0.3)
    z2 = 0.9 * 0.5 + 0.5 * h1 + 0.3
    h2 = math.tanh(z2)
    z3 = 0.9 * 0.2 + 0.5 * h2 + 0.3
    h3 = math.tanh(z3)
    for name, by_hand in (("z_1[0]", 0.98), ("h_1[0]", h1), ("z_2[0]", z2), ("h_2[0]", h2),
                          ("z_3[0]", z3), ("h_3[0]", h3)):  # fmt: skip
        assert values[name] == pytest.approx(by_hand, rel=1e-12), name
    assert _agrees(values["z_1[0]"], 0.98, 2)
    assert _agrees(values["h_1[0]"], 0.753, 3)
    assert _agrees(values["z_2[0]"], 1.1265, 4)
    # the source's errors: cut off, not rounded
    assert not _agrees(values["h_2[0]"], 0.809, 3) and _agrees(values["h_2[0]"], 0.810, 3)
    assert math.floor(values["h_2[0]"] * 1000) / 1000 == 0.809
    assert not _agrees(values["z_3[0]"], 0.8845, 4)
    assert _agrees(0.9 * 0.2 + 0.5 * 0.809 + 0.3, 0.8845, 4)  # carried from the source's h2
    assert not _agrees(values["h_3[0]"], 0.708, 3)
    assert _agrees(math.tanh(0.8845), 0.709, 3)  # even from the source's own z3
    assert result.passed
