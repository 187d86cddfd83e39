"""check-hand on BPTT homework (issue 22 item 4): files as students write them for 2–3 step
sequences, every expected number worked here with numpy (the recursion written out by hand, not
by symbp) and every verdict reasoned in the comments; prachub's published walkthrough judged,
with where its error entered.

prachub, "Backpropagation Through Time (BPTT) - Complete Walkthrough",
https://prachub.com/resources/detailed-backpropagation-walkthrough: x = (1, 2), h0 = 0,
W_x = 0.5, W_h = 0.1, b = 0, W_y = 2, targets (1, 2), L = ½Σ(y_t − target_t)². It prints
h1 = 0.4621 (right), h2 = tanh(1.04621) ≈ 0.7790 (it is 0.7803) and carries that into every
later number.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from symbp.api.rnn_hand import check_rnn_hand
from symbp.cli import main
from symbp.core.rnn_spec import rnn_spec_from_mapping
from symbp.errors import HandInputError

R, C, W = "right", "carried", "wrong"

PRACHUB = {
    "layers": [1, {"rnn": 1, "activation": "tanh"}, {"dense": 1, "activation": "identity"}],
    "inputs": [[1.0], [2.0]],
    "targets": [[1.0], [2.0]],
    "initial_state": [0.0],
    "weights": {"W_xh": [[0.5]], "W_hh": [[0.1]], "W_hy": [[2.0]]},
    "loss": "half_sse",
}
#: three steps, two hidden units, an output per step
TWO_UNITS = {
    "layers": [1, {"rnn": 2, "activation": "tanh"}, {"dense": 1, "activation": "identity"}],
    "inputs": [[1.0], [-1.0], [0.5]],
    "targets": [[0.2], [-0.1], [0.4]],
    "weights": {
        "W_xh": [[0.5], [-0.3]],
        "W_hh": [[0.1, -0.2], [0.4, 0.3]],
        "W_hy": [[1.0, -0.5]],
    },
    "loss": "half_sse",
}
#: three steps, one unit, a target at the last step only
LAST_ONLY = {
    "layers": [1, {"rnn": 1, "activation": "tanh"}, {"dense": 1, "activation": "identity"}],
    "inputs": [[1.0], [0.5], [-1.0]],
    "targets": [0.3],
    "target_steps": "last",
    "weights": {"W_xh": [[0.8]], "W_hh": [[0.6]], "W_hy": [[1.5]]},
    "loss": "half_sse",
}


def bptt(data: dict) -> dict[str, np.ndarray]:
    """The forward pass and BPTT of a tanh Elman net with a linear head and ½Σ(y − t)²,
    written out by hand: every number the homework may hold, by its plain key."""
    w_xh, w_hh, w_hy = (np.array(data["weights"][k]) for k in ("W_xh", "W_hh", "W_hy"))
    xs = [np.array(x) for x in data["inputs"]]
    steps, hidden = len(xs), w_hh.shape[0]
    last_only = data.get("target_steps") == "last"
    targets = (
        {steps: np.array(data["targets"])}
        if last_only
        else {t + 1: np.array(y) for t, y in enumerate(data["targets"])}
    )
    n: dict[str, np.ndarray] = {"h0": np.array(data.get("initial_state", [0.0] * hidden))}
    for t in range(1, steps + 1):
        n[f"z{t}"] = w_xh @ xs[t - 1] + w_hh @ n[f"h{t - 1}"]
        n[f"h{t}"] = np.tanh(n[f"z{t}"])
        if t in targets:
            n[f"y{t}"] = w_hy @ n[f"h{t}"]
            n[f"L{t}"] = 0.5 * np.sum((n[f"y{t}"] - targets[t]) ** 2)
            n[f"dy{t}"] = n[f"y{t}"] - targets[t]
    n["L"] = sum(n[f"L{t}"] for t in targets)
    after = np.zeros(hidden)
    for t in range(steps, 0, -1):
        n[f"dh{t}"] = (w_hy.T @ n[f"dy{t}"] if t in targets else 0) + w_hh.T @ after
        n[f"local{t}"] = 1 - n[f"h{t}"] ** 2
        n[f"dz{t}"] = after = n[f"dh{t}"] * n[f"local{t}"]
    n["dW_xh"] = sum(np.outer(n[f"dz{t}"], xs[t - 1]) for t in range(1, steps + 1))
    n["dW_hh"] = sum(np.outer(n[f"dz{t}"], n[f"h{t - 1}"]) for t in range(1, steps + 1))
    n["dW_hy"] = sum(np.outer(n[f"dy{t}"], n[f"h{t}"]) for t in targets)
    for t in range(1, steps + 1):
        n[f"dW_hh@{t}"] = np.outer(n[f"dz{t}"], n[f"h{t - 1}"])
        n[f"dW_xh@{t}"] = np.outer(n[f"dz{t}"], xs[t - 1])
    return n


def f4(value) -> str:
    """A number, vector or matrix written to 4 decimals as a student writes it."""
    array = np.asarray(value, dtype=float)
    if array.ndim == 0 or array.size == 1:
        return f"{float(array.ravel()[0]):.4f}"
    if array.ndim == 1:
        return "[" + ", ".join(f"{v:.4f}" for v in array) + "]"
    return "[" + ", ".join(f4(row) for row in array) + "]"


def verdicts(data: dict, text: str) -> list[tuple[str, str]]:
    report = check_rnn_hand(rnn_spec_from_mapping(data), text).report
    return [(v.verdict, v.mistake) for v in report.verdicts]


P = bptt(PRACHUB)
B = bptt(TWO_UNITS)
LO = bptt(LAST_ONLY)
#: h2 = tanh(W_xh x2) without W_hh h1, and z3 = W_xh x3 + W_hh h2 from that h2 rounded
H2_DROPPED = np.round(np.tanh(np.array([0.5, -0.3]) * -1.0), 4)
Z3_CARRIED = np.array([0.5, -0.3]) * 0.5 + np.array(TWO_UNITS["weights"]["W_hh"]) @ H2_DROPPED


def test_the_hand_numbers_are_the_published_ones() -> None:
    """The recursion above reproduces what prachub gets right and the issue's corrections."""
    assert f"{P['h1'][0]:.4f}" == "0.4621" and f"{P['y1'][0]:.4f}" == "0.9242"
    assert f"{P['h2'][0]:.4f}" == "0.7803"  # prachub: 0.7790
    assert f"{P['L']:.4f}" == "0.0994"  # prachub: 0.1007
    assert math.isclose(P["h2"][0], math.tanh(1.0 + 0.1 * math.tanh(0.5)))


def test_prachub_walkthrough_error_entered_at_h2() -> None:
    # prachub's numbers as printed. h2 = tanh(1.04621) is 0.78033: 0.7790 is wrong and follows
    # from nothing earlier (h1 and a2 are right). y2 = 2·0.7790 = 1.558, L2 = ½(1.558 − 2)² =
    # 0.09768 (0.0978 within the rounding of y2's three decimals: ±0.00022), L = 0.00288 +
    # 0.0978: carried from h2. L1 = ½(0.9242 − 1)² = 0.0028728: 0.00288 is within the
    # rounding of y1 (±0.0000038) and its own half unit: right to its precision.
    # ∂L/∂y2 = 1.558 − 2 = −0.442, ∂L/∂h2 = 2·(−0.442) = −0.884, tanh′(a2) = 1 − 0.7790² =
    # 0.3932, ∂L/∂a2 = −0.884·0.3931 = −0.3475, the step-2 terms −0.3475·2 = −0.695 and
    # −0.3475·0.4621 = −0.1606: each follows from the student's own numbers, all carried.
    text = (
        "h1 = tanh(0.5) ≈ 0.4621\n"
        "y1 = W_y h1 = 0.9242\n"
        "a2 = 1.04621\n"
        "h2 = tanh(1.04621) ≈ 0.7790\n"
        "y2 = 1.558\n"
        "L1 = 0.00288\n"
        "L2 = 0.0978\n"
        "L = 0.1007\n"
        "dL/dy2 = -0.442\n"
        "dL/dh2 = -0.884\n"
        "tanh'(a2) = 0.3931\n"
        "dL/da2 = -0.3475\n"
        "dL/dW_x|t=2 = -0.695\n"
        "dL/dW_h|t=2 = -0.1606\n"
    )
    judged = check_rnn_hand(rnn_spec_from_mapping(PRACHUB), text)
    assert [(v.verdict, v.mistake) for v in judged.report.verdicts] == [
        (R, ""), (R, ""), (R, ""), (W, ""), (C, ""), (R, ""), (C, ""), (C, ""),
        (C, ""), (C, ""), (C, ""), (C, ""), (C, ""), (C, ""),
    ]  # fmt: skip
    assert judged.entered == ("h2",)
    carried = [v for v in judged.report.verdicts if v.verdict == C]
    assert all(v.follows == ("h2",) for v in carried)
    h2 = judged.report.verdicts[3]
    assert h2.expected[0] == pytest.approx(P["h2"][0], abs=1e-12)
    l_total = judged.report.verdicts[7]
    assert l_total.expected[0] == pytest.approx(P["L"], abs=1e-12)
    shown = judged.render("text")
    assert "The error entered at h2: written 0.7790" in shown


FILES = [
    # 1. prachub worked right, to four decimals: every number right
    (PRACHUB, f"h1 = {f4(P['h1'])}\nh2 = {f4(P['h2'])}\ny2 = {f4(P['y2'])}\nL = {f4(P['L'])}\n"
     f"delta2 = {f4(P['dz2'])}\ndelta1 = {f4(P['dz1'])}\ndL/dW_hh = {f4(P['dW_hh'])}\n"
     f"dL/dW_xh = {f4(P['dW_xh'])}\ndL/dW_hy = {f4(P['dW_hy'])}",
     [(R, "")] * 9),
    # 2. the recurrent path dropped at step 1: δ1 = 2·(y1 − 1)·(1 − h1²) without 0.1·δ2; the
    #    student's W_xh gradient δ1·1 + δ2·2 then follows from that δ1: carried
    (PRACHUB, f"delta2 = {f4(P['dz2'])}\n"
     f"delta1 = {f4(2 * P['dy1'] * P['local1'])}\n"
     f"dL/dW_xh = {f4(2 * P['dy1'] * P['local1'] + 2 * P['dz2'])}",
     [(R, ""), (W, "recurrent_path_dropped"), (C, "")]),
    # 3. two units: W_hh's gradient from the last step only, δ3 h2ᵀ (a 2×2 matrix), δ3 right
    (TWO_UNITS, f"delta3 = {f4(B['dz3'])}\ndL/dW_hh = {f4(np.outer(B['dz3'], B['h2']))}",
     [(R, ""), (W, "last_step_only")]),
    # 4. two units: W_hh's gradient summed as δ_t h_tᵀ instead of δ_t h_(t−1)ᵀ
    (TWO_UNITS, "dL/dW_hh = " + f4(sum(np.outer(B[f"dz{t}"], B[f"h{t}"]) for t in (1, 2, 3))),
     [(W, "state_step_shifted")]),
    # 5. two units: the path back through time dropped in every δ, then W_xh's gradient summed
    #    from those δs: Σ_t ((W_hyᵀ dy_t) ⊙ (1 − h_t²)) x_t
    (TWO_UNITS, "dL/dW_xh = " + f4(sum(
        np.outer(np.array(TWO_UNITS["weights"]["W_hy"]).T @ B[f"dy{t}"] * B[f"local{t}"],
                 TWO_UNITS["inputs"][t - 1]) for t in (1, 2, 3))),
     [(W, "recurrent_path_dropped")]),
    # 6. two units: tanh′ taken as 1 − z1² instead of 1 − h1² (z1 = (0.5, −0.3): 0.75 and
    #    0.91 for 0.7865 and 0.9151); ∂L/∂h1 right
    (TWO_UNITS, f"dL/dh1 = {f4(B['dh1'])}\ndelta1 = {f4(B['dh1'] * (1 - B['z1'] ** 2))}",
     [(R, ""), (W, "wrong_local_value")]),
    # 7. forward: h2 without W_hh h1 (tanh(W_xh x2)); z3 then worked from that h2 (carried),
    #    and h3 = z3 (tanh not applied)
    (TWO_UNITS, f"h1 = {f4(B['h1'])}\nh2 = {f4(H2_DROPPED)}\n"
     f"z3 = {f4(Z3_CARRIED)}\nh3 = {f4(Z3_CARRIED)}",
     [(R, ""), (W, "previous_state_dropped"), (C, ""), (W, "activation_not_applied")]),
    # 8. a target at the last step only: ∂L/∂h1 written 0 (the path back through time dropped:
    #    step 1 has no output of its own), W_hh's gradient from the last step's term alone
    (LAST_ONLY, f"dL/dh2 = {f4(LO['dh2'])}\ndL/dh1 = 0\n"
     f"dL/dW_hh = {f4(LO['dW_hh@3'])}\ndL/dW_hh|t=3 = {f4(LO['dW_hh@3'])}",
     [(R, ""), (W, "recurrent_path_dropped"), (W, "last_step_only"), (R, "")]),
    # 9. every ∂L/∂y_t negated (target − y for y − target; the trial's a6_sign): the first one
    #    written (step 3, worked first going back) is where it entered, named; ∂L/∂h3 and δ3
    #    then follow from it (carried), and the later ∂L/∂y_t are the same slip again
    (TWO_UNITS, f"dL/dy3 = {f4(-B['dy3'])}\n"
     f"dL/dh3 = {f4(-B['dh3'])}\ndelta3 = {f4(-B['dz3'])}\ndL/dy2 = {f4(-B['dy2'])}",
     [(W, "output_sign_flipped"), (C, ""), (C, ""), (W, "output_sign_flipped")]),
]  # fmt: skip


@pytest.mark.parametrize(("data", "text", "expected"), FILES, ids=[str(i) for i in range(1, 10)])
def test_bptt_homework_verdicts(data, text, expected) -> None:
    assert verdicts(data, text) == expected


def test_carried_rounding_is_right() -> None:
    """h1 rounded to two decimals and carried: h2 from the rounded h1, to four decimals, differs
    from the true h2 at four decimals but follows from the student's own right h1: right."""
    w_xh = np.array(TWO_UNITS["weights"]["W_xh"])
    w_hh = np.array(TWO_UNITS["weights"]["W_hh"])
    h1 = np.round(B["h1"], 2)
    h2 = np.tanh(w_xh @ np.array([-1.0]) + w_hh @ h1)
    assert f4(h2) != f4(B["h2"])  # the case is not trivial
    h1_text = f"({h1[0]:.2f}, {h1[1]:.2f})"
    assert verdicts(TWO_UNITS, f"h1 = {h1_text}\nh2 = {f4(h2)}") == [(R, ""), (R, "")]
    # the same h2 without the rounded h1 written: h2 is judged against the true value, wrong
    assert verdicts(TWO_UNITS, f"h2 = {f4(h2)}") == [(W, "")]


def test_students_spellings() -> None:
    """Subscripts, full-width signs, a BOM, δ, ∂, a Unicode minus, vectors in brackets or not."""
    text = (
        "\ufeffh₁ = 0.4621\n"
        "ｈ_2 ＝ 0.7803\n"
        f"δ_2 = {f4(P['dz2']).replace('-', '−')}\n"
        f"∂L/∂W_hh = {f4(P['dW_hh'])}\n"
        f"dWhh|t=2 = {f4(P['dW_hh@2'])}\n"
        "# a comment line\n"
        f"dL/dh_1 = {f4(P['dh1'])}   # through both paths\n"
    )
    assert verdicts(PRACHUB, text) == [(R, "")] * 6
    two = f"h1 = {B['h1'][0]:.4f}, {B['h1'][1]:.4f}\nh_2 = ({B['h2'][0]:.4f} {B['h2'][1]:.4f})"
    assert verdicts(TWO_UNITS, two) == [(R, ""), (R, "")]
    grad = B["dW_hh"]
    more = (
        f"dWhh[t=2] = {f4(B['dW_hh@2'])}\ndL/dU = {f4(B['dW_xh'])}\nσ'(z1) = {f4(B['local1'])}\n"
        f"ŷ1 = {f4(B['y1'])}\nh(2) = {f4(B['h2'])}\n"
        f"dL/dW_hh = [{grad[0, 0]:.4f}, {grad[0, 1]:.4f}; {grad[1, 0]:.4f}, {grad[1, 1]:.4f}]"
    )
    assert verdicts(TWO_UNITS, more) == [(R, "")] * 6


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("h1 = 0.46", "1 numbers, but it has 2"),
        ("h9 = 0.1", "not a quantity"),
        ("q1 = 0.1", "not a quantity"),
        ("h1 = [0.1, 0.2\n", "does not close"),
        ("h1 = [0.1, x]", "is not a number"),
        ("h1 = [0.1, 0.2]\nh_1 = [0.1, 0.2]", "written twice"),
        ("dL/dW_hh = [0.1, 0.2, 0.3]", "3 numbers, but it has 2×2"),
        # an empty file, or comments alone (trial of issue 22: 'Every number is right.')
        ("", "nothing to check"),
        ("# my homework\n\n   \n# more", "nothing to check"),
    ],
)
def test_bad_homework_is_one_line(text, message) -> None:
    with pytest.raises(HandInputError, match=message):
        check_rnn_hand(rnn_spec_from_mapping(TWO_UNITS), text)


PRACHUB_TOML = """title = "prachub BPTT walkthrough"
layers = [1, { rnn = 1, activation = "tanh" }, { dense = 1, activation = "identity" }]
inputs = [[1.0], [2.0]]
targets = [[1.0], [2.0]]
initial_state = [0.0]
weights = { W_xh = [[0.5]], W_hh = [[0.1]], W_hy = [[2.0]] }
bias = "none"
loss = "half_sse"
"""


def test_check_hand_cli_on_rnn_homework(tmp_path, capsys) -> None:
    spec = tmp_path / "prachub.toml"
    spec.write_text(PRACHUB_TOML, encoding="utf-8")
    homework = tmp_path / "s001.txt"
    homework.write_text("h1 = 0.4621\nh2 = 0.7790\ny2 = 1.558\n", encoding="utf-8")
    assert main(["check-hand", str(homework), "--spec", str(spec)]) == 1
    out = capsys.readouterr().out
    assert "The error entered at h2" in out and "carried from h2" in out
    assert main(["check-hand", str(homework), "--spec", str(spec), "--lang", "zh"]) == 1
    assert "错误从 h2 开始" in capsys.readouterr().out
    assert main(["check-hand", str(homework), "--spec", str(spec), "--format", "json"]) == 1
    assert '"entered": [\n    "h2"\n  ]' in capsys.readouterr().out
    homework.write_text(f"h1 = {f4(P['h1'])}\nL = {f4(P['L'])}\n", encoding="utf-8")
    assert main(["check-hand", str(homework), "--spec", str(spec)]) == 0
    homework.write_text("h1 = 0.4621\nh5 = 0.1\n", encoding="utf-8")
    assert main(["check-hand", str(homework), "--spec", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "h5" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("seed", range(6))
def test_the_judges_numbers_are_the_derivations(seed) -> None:
    """The judge's own quantities (its graph worked from the spec) agree with symbp's derivation
    of the same net, itself checked against torch: sigmoid/tanh/relu cells, biases, a target at
    every step or the last only, sum or mean."""
    from symbp.core.rnn import derive_rnn
    from symbp.handcheck.recurrent import build, true_values

    rng = np.random.default_rng(seed)
    steps, hidden, inputs = int(rng.integers(2, 4)), int(rng.integers(1, 4)), 2
    last = bool(seed % 2)
    data = {
        "layers": [inputs, {"rnn": hidden, "activation": ("tanh", "sigmoid", "relu")[seed % 3]},
                   {"dense": 1, "activation": "identity"}],
        "inputs": rng.normal(0, 1, (steps, inputs)).round(3).tolist(),
        "targets": rng.normal(0, 1, (1,) if last else (steps, 1)).round(3).tolist(),
        "target_steps": "last" if last else "all",
        "initial_state": rng.normal(0, 0.5, hidden).round(3).tolist(),
        "weights": {"W_xh": rng.normal(0, 0.7, (hidden, inputs)).round(3).tolist(),
                    "W_hh": rng.normal(0, 0.7, (hidden, hidden)).round(3).tolist(),
                    "W_hy": rng.normal(0, 0.7, (1, hidden)).round(3).tolist()},
        "bias": {"b_ih": rng.normal(0, 0.3, hidden).round(3).tolist(), "b_y": [0.1]},
        "loss": "half_sse",
        "reduction": ("sum", "mean")[seed // 3],
    }  # fmt: skip
    spec = rnn_spec_from_mapping(data)
    truth = true_values(build(spec))
    derivation = derive_rnn(spec)
    model = derivation.model
    assert float(truth["L"]) == pytest.approx(derivation.loss, abs=1e-12)
    for t in range(1, steps + 1):
        for j in range(hidden):
            assert truth[f"h{t}"][j] == pytest.approx(derivation.value(model.h[0][t][j]), abs=1e-12)
            delta = derivation.gradient(model.z[0][t][j])
            assert truth[f"dz{t}"][j] == pytest.approx(delta, abs=1e-12)
    for name in ("W_xh", "W_hh", "W_hy"):
        rows, columns = truth[f"d{name}"].shape
        for r in range(rows):
            for c in range(columns):
                found = derivation.parameter_gradients[f"{name}[{r},{c}]"]
                assert truth[f"d{name}"][r, c] == pytest.approx(found, abs=1e-12)


def test_several_sequences_are_refused_in_one_line() -> None:
    several = {**PRACHUB, "inputs": [[[1.0], [2.0]], [[0.5], [1.0]]],
               "targets": [[[1.0], [2.0]], [[0.0], [1.0]]]}  # fmt: skip
    with pytest.raises(HandInputError, match="one sequence"):
        check_rnn_hand(rnn_spec_from_mapping(several), "h1 = 0.4621")


def test_formulas_are_read_by_the_bounded_reader() -> None:
    """A number written as its arithmetic (trial of issue 22: `h1 = tanh(0.6)` was "not a
    number"), read as dense check-hand reads formulas: prachub's h2 = tanh(1.04621) is right as a
    formula (its printed 0.7790 is not), and a formula is judged at its decimals' precision."""
    assert math.isclose(math.tanh(1.04621), P["h2"][0], abs_tol=5e-5)
    text = (
        "h1 = tanh(0.5)\nh2 = tanh(1.04621)\n"
        f"L = 0.5*({f4(P['y1'])} - 1)^2 + 0.5*(2*{f4(P['h2'])} - 2)^2\n"
    )
    assert verdicts(PRACHUB, text) == [(R, "")] * 3
    assert verdicts(PRACHUB, "h1 = tanh(0.6)") == [(W, "")]  # tanh(0.6) = 0.5370, not 0.4621
    for bad, message in (("h1 = tanh(x)", "unknown name 'x'"), ("h1 = 1/0", "divides by zero")):
        with pytest.raises(HandInputError, match=message):
            check_rnn_hand(rnn_spec_from_mapping(PRACHUB), bad)
