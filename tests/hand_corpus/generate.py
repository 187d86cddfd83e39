"""The hand-calculation corpus: files written the way students write them, and what each should
get, worked out here in plain Python without symbp.

Every file is a calculation of a small sigmoid network made by `work()`, which computes the
forward pass, the backward pass and one update the way a student does on paper: each written
number rounded to the file's precision, each later step computed from the rounded numbers, and
the chosen mistakes (from symbp's catalogue, or outside it) made for real in that chain. The
expected verdict of each number is decided here as well, by a rule stated independently of
symbp's code:

- right: the written text is the true value (worked without rounding or mistakes) written at
  the same precision;
- right to the stated precision: otherwise, if it is the number the right calculation with the
  same carried rounding gives (what a careful student at that precision writes);
- wrong: anything else, and any number that states no rounding (no decimal point, as 1 or 0,
  or no significant digit, as 0.00) unless the true value is exactly that number.

The expected diagnosis is the set of mistakes the file was made with (none for right files and
for slips outside the catalogue, where the expected entry point is the slip's quantity).

Run from the repository root to rewrite the corpus:  python tests/hand_corpus/generate.py
The tests regenerate it in memory and fail if the files on disk differ.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Net:
    """A network with one hidden layer: sizes, numbering, sample, weights, fixed layer biases."""

    name: str
    sizes: tuple[int, int, int]
    numbering: str  # "by-source" or "by-target"
    inputs: tuple[float, ...]
    targets: tuple[float, ...]
    weights: tuple[float, ...]
    eta: float
    biases: tuple[float, float] = (0.0, 0.0)  # hidden layer, output layer (fixed)
    spec_file: str | None = None  # the corpus's spec file for it; None: symbp's default


MOOC = Net(
    "mooc",
    (2, 2, 2),
    "by-source",
    (0.5, 0.3),
    (0.23, -0.07),
    (0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8),
    1.0,
)
WIDE = Net(
    "wide",
    (3, 4, 2),
    "by-target",
    (0.9, -0.2, 0.4),
    (0.8, 0.1),
    (0.3, -0.1, 0.25, 0.05, 0.4, -0.35, -0.2, 0.15, 0.1, 0.45, -0.3, 0.2)
    + (0.5, -0.4, 0.3, 0.1, -0.25, 0.35, 0.2, -0.15),
    0.5,
    spec_file="net_3_4_2.toml",
)
MAZUR = Net(
    "mazur",
    (2, 2, 2),
    "by-target",
    (0.05, 0.10),
    (0.01, 0.99),
    (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55),
    0.5,
    biases=(0.35, 0.60),
    spec_file="mazur.toml",
)


def edges(net: Net, numbering: str) -> list[tuple[str, str]]:
    """(source, target) of every weight, in the numbering's order (w1 first)."""
    n_in, n_hidden, n_out = net.sizes
    layers = [[f"x{i + 1}" for i in range(n_in)], [f"h{j + 1}" for j in range(n_hidden)]]
    layers.append([f"o{k + 1}" for k in range(n_out)])
    found = []
    for sources, targets in ((layers[0], layers[1]), (layers[1], layers[2])):
        if numbering == "by-source":
            found += [(s, t) for s in sources for t in targets]
        else:
            found += [(s, t) for t in targets for s in sources]
    return found


def other(numbering: str) -> str:
    return "by-target" if numbering == "by-source" else "by-source"


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def fixed(value: float, decimals: int) -> float:
    return float(f"{value:.{decimals}f}")


def work(
    net: Net,
    mistakes: frozenset[str] = frozenset(),
    decimals: int | None = 4,
    written: frozenset[str] | None = None,
    slip: Callable[[str, float], float] | None = None,
    eta: float | None = None,
) -> dict[str, float]:
    """A student's calculation: every quantity by its canonical name.

    A quantity in `written` (all of them when None) is rounded to `decimals` before it is used
    again; `slip(name, value)` may change any value as it is computed (a slip outside the
    catalogue). `eta` is the learning rate the student uses (the network's by default).
    """

    def r(name: str, value: float) -> float:
        if slip is not None:
            value = slip(name, value)
        if decimals is None or (written is not None and name not in written):
            return value
        return fixed(value, decimals)

    eta_used = net.eta if eta is None else eta
    if "learning_rate" in mistakes:
        eta_used = net.eta / 2
    own = edges(net, net.numbering)
    placed = edges(net, other(net.numbering)) if "numbering" in mistakes else own
    w = {edge: net.weights[i] for i, edge in enumerate(placed)}
    a = {f"x{i + 1}": x for i, x in enumerate(net.inputs)}
    z: dict[str, float] = {}
    out: dict[str, float] = {}
    hidden = [f"h{j + 1}" for j in range(net.sizes[1])]
    outputs = [f"o{k + 1}" for k in range(net.sizes[2])]
    targets = dict(zip(outputs, net.targets, strict=True))
    for layer, units in ((0, hidden), (1, outputs)):
        for unit in units:
            total = sum(w[(s, t)] * a[s] for s, t in w if t == unit) + net.biases[layer]
            z[unit] = out[f"z_{unit}"] = r(f"z_{unit}", total)
            a[unit] = out[unit] = r(unit, sigmoid(z[unit]))
    scale = 2.0 if "half_dropped" in mistakes else 0.5 if "half_doubled" in mistakes else 1.0
    out["L"] = r("L", scale * 0.5 * sum((a[o] - y) ** 2 for o, y in targets.items()))

    def sigma_prime(unit: str, layer: str) -> float:
        missing = {"missing_sigma_prime", f"missing_sigma_prime_{layer}"}
        if missing & mistakes:
            return 1.0
        if "sigma_prime_of_z" in mistakes:
            return z[unit] * (1 - z[unit])
        return a[unit] * (1 - a[unit])

    delta: dict[str, float] = {}
    # ∂L/∂o = 2(o − y) with L = ½Σ(o − y)² kept: the derivative alone doubled
    error_scale = 2.0 * scale if "error_doubled" in mistakes else scale
    for o, y in targets.items():
        error = (y - a[o]) if "output_error_sign" in mistakes else (a[o] - y)
        upstream = out[f"dL/d{o}"] = r(f"dL/d{o}", error_scale * error)
        delta[o] = out[f"delta_{o}"] = r(f"delta_{o}", upstream * sigma_prime(o, "output"))
    output_gradient = {
        (h, o): fixed(delta[o] * a[h], decimals) if decimals is not None else delta[o] * a[h]
        for h in hidden
        for o in outputs
    }
    for h in hidden:
        terms = []
        for o in outputs:
            if f"dropped_path_{o}" in mistakes:
                continue
            if "added_gradients" in mistakes:
                terms.append(output_gradient[(h, o)])
            elif "updated_output_weights" in mistakes:
                terms.append(delta[o] * (w[(h, o)] - eta_used * delta[o] * a[h]))
            else:
                terms.append(delta[o] * w[(h, o)])
        upstream = out[f"dL/d{h}"] = r(f"dL/d{h}", sum(terms))
        delta[h] = out[f"delta_{h}"] = r(f"delta_{h}", upstream * sigma_prime(h, "hidden"))
    # the names the student gives the edges: the network's, or the other numbering's
    label_order = edges(net, other(net.numbering)) if "labels_swapped" in mistakes else placed
    sign = -1.0 if "update_sign" in mistakes else 1.0
    for i, (source, target) in enumerate(label_order):
        name = f"w{i + 1}"
        gradient = out[f"dL/d{name}"] = r(f"dL/d{name}", delta[target] * a[source])
        old = w[(source, target)] if "labels_swapped" in mistakes else net.weights[i]
        out[f"Δ{name}"] = r(f"Δ{name}", -sign * eta_used * gradient)
        out[f"{name}_new"] = r(f"{name}_new", old - sign * eta_used * gradient)
    return out


# -- how students write names and numbers --------------------------------------------------

FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def spell(key: str, style: str) -> str:
    """A canonical quantity name as a student in `style` writes it."""
    unit = key.split("_", 1)[1] if "_" in key and not key.endswith("_new") else ""
    gradient_of = key[4:] if key.startswith("dL/d") else ""
    if style == "unicode":
        if gradient_of:
            return f"∂L/∂{gradient_of[0]}{gradient_of[1:].translate(SUBSCRIPTS)}"
        if key.startswith("delta_"):
            return f"δ_{unit}"
        if key.endswith("_new"):
            return key[:-4] + "′"
        return key
    if style == "mazur":
        if key == "L":
            return "E_total"
        if key.startswith("z_"):
            return f"net_{unit}"
        if key.startswith("delta_"):
            return f"dE/dnet_{unit}"
        if gradient_of.startswith(("h", "o")):
            return f"dE/dout_{gradient_of}"
        if gradient_of:
            return f"∂E/∂{gradient_of}"
        if key.endswith("_new"):
            return key[:-4] + "+"
        if key[0] in "ho":
            return f"out_{key}"
        return key
    if style == "aliases":
        if gradient_of.startswith("w"):
            return f"grad_{gradient_of}"
        if gradient_of:
            return f"dL_d{gradient_of}"
        if key.startswith("delta_"):
            return f"delta {unit}"
        if key.endswith("_new"):
            return key[:-4] + "'"
        if key.startswith("z_"):
            return f"z{unit}"
        return key
    if style == "chinese":
        if key == "L":
            return "总误差"
        if key.startswith("z_"):
            return f"{unit}的净输入"
        if key.startswith("delta_"):
            return f"{unit} 的误差项"
        if gradient_of.startswith("w"):
            return f"{gradient_of}的梯度" if int(gradient_of[1:]) % 2 else f"梯度 {gradient_of}"
        if key.endswith("_new"):
            return f"更新后的{key[:-4]}"
        if key[0] in "ho":
            return f"{key} 的输出"
        return key
    if style == "upper":
        return key.replace("dL/dw", "dL/dW")
    return key


def number_text(value: float, decimals: int | None, style: str = "plain") -> str:
    text = f"{value:.{decimals}f}" if decimals is not None else f"{value:.10f}"
    if text.startswith("-") and not any(c in "123456789" for c in text):
        text = text[1:]  # no student writes -0.00
    if style == "comma":
        return text.replace(".", ",")
    if style == "unicode_minus":
        return text.replace("-", "−")
    if style == "approx":
        return f"≈ {text}"
    if style == "rounded":
        return f"{text} (rounded)"
    if style == "chinese_remark":
        return f"{text}（四舍五入）"
    return text


@dataclass
class Style:
    """How one file is written."""

    names: str = "ascii"
    numbers: str = "plain"
    separator: str = " = "
    newline: str = "\n"
    encoding: str = "utf-8"
    full_width: bool = False
    headings: bool = True


FORWARD = ("z_", "h", "o", "L")


def plain_file(
    values: dict[str, float],
    decimals: int | None,
    style: Style,
    header: list[str],
    formulas: dict[str, str] | None = None,
    spec: str | None = None,
) -> bytes:
    lines = [f"spec = {spec}"] if spec else []
    lines += [f"# {line}" for line in header]
    section = ""
    for key, value in values.items():
        kind = "Forward pass:" if key.startswith(FORWARD) else "Backward pass:"
        if key.endswith("_new") or key.startswith("Δ"):
            kind = "Update:"
        if style.headings and kind != section:
            lines += ["", kind]
            section = kind
        formula = (formulas or {}).get(key)
        shown = number_text(value, decimals, style.numbers)
        text = f"{formula} = {shown}" if formula else shown
        line = f"{spell(key, style.names)}{style.separator}{text}"
        if style.full_width:
            line = "".join(FULL_WIDTH.get(c, c) for c in line).replace(" ", "\u3000")
        lines.append(line)
    return (style.newline.join(lines) + style.newline).encode(style.encoding)


def toml_file(values: dict[str, float], decimals: int | None, header: list[str]) -> bytes:
    lines = [f"# {line}" for line in header]
    lines += [f'"{key}" = {number_text(v, decimals)}' for key, v in values.items()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def json_file(values: dict[str, float], decimals: int | None) -> bytes:
    body = ", ".join(f'"{k}": "{number_text(v, decimals)}"' for k, v in values.items())
    return ("{" + body + "}\n").encode("utf-8")


# -- the expected verdicts ------------------------------------------------------------------


def expected_verdicts(
    net: Net,
    values: dict[str, float],
    decimals: int | None,
    written: frozenset[str] | None,
    slip_names: frozenset[str] = frozenset(),
) -> dict[str, str]:
    """The verdict each written number should get, by the rule in the module's docstring."""
    truth = work(net, decimals=None)
    careful = work(net, decimals=decimals, written=written)
    verdicts = {}
    for key, value in values.items():
        text = number_text(value, decimals)
        if "." not in text or not any(c in "123456789" for c in text):
            right = float(text) == truth[key]
            verdicts[key] = "right" if right else "wrong"
        elif text == number_text(truth[key], decimals):
            verdicts[key] = "right"
        elif text == number_text(careful[key], decimals) and key not in slip_names:
            verdicts[key] = "right to the stated precision"
        else:
            verdicts[key] = "wrong"
    return verdicts


# -- the corpus ------------------------------------------------------------------------------

SINGLE_MISTAKES = (
    "output_error_sign",
    "missing_sigma_prime",
    "missing_sigma_prime_hidden",
    "missing_sigma_prime_output",
    "sigma_prime_of_z",
    "half_dropped",
    "half_doubled",
    "added_gradients",
    "dropped_path_o1",
    "dropped_path_o2",
    "updated_output_weights",
    "update_sign",
    "numbering",
    "labels_swapped",
    "learning_rate",
)
PAIRS = (
    ("output_error_sign", "learning_rate"),
    ("learning_rate", "update_sign"),
    ("learning_rate", "missing_sigma_prime"),
    ("learning_rate", "added_gradients"),
    ("missing_sigma_prime", "update_sign"),
    ("half_dropped", "added_gradients"),
    ("output_error_sign", "numbering"),
    ("sigma_prime_of_z", "update_sign"),
    ("missing_sigma_prime_hidden", "update_sign"),
    ("dropped_path_o2", "half_doubled"),
    ("labels_swapped", "half_dropped"),
    ("updated_output_weights", "output_error_sign"),
)
#: the styles mistake files rotate through
ROTATION = (
    Style(),
    Style(names="unicode", numbers="unicode_minus"),
    Style(separator=": "),
    Style(names="aliases"),
    Style(numbers="rounded"),
    Style(names="chinese", separator="："),
    Style(numbers="comma", newline="\r\n"),
    Style(names="upper", separator=" ≈ "),
)


@dataclass
class Case:
    """One corpus file and what it should get."""

    name: str
    data: bytes
    verdicts: dict[str, str]
    diagnosis: list[str] | None  # the first diagnosis's mistakes; None: no complete diagnosis
    spec: str | None = None
    entered: list[str] | None = None  # where the error entered, when the test checks it
    formulas: dict[str, bool] = field(default_factory=dict)  # formula key -> equal


def _calculation(
    net: Net,
    name: str,
    style: Style,
    mistakes: tuple[str, ...] = (),
    decimals: int | None = 4,
    keys: tuple[str, ...] | None = None,
    note: str = "",
) -> Case:
    written = frozenset(keys) if keys is not None else None
    values = work(net, frozenset(mistakes), decimals, written)
    if keys is not None:
        values = {k: values[k] for k in keys}
    else:
        values = {k: v for k, v in values.items() if not k.startswith("Δ")}
    header = [f"{net.name} network, one step by hand at {decimals or 10} decimals. {note}".strip()]
    data = plain_file(values, decimals, style, header, spec=net.spec_file)
    verdicts = expected_verdicts(net, values, decimals, written)
    if mistakes:
        diagnosis: list[str] | None = sorted(mistakes)
    else:
        diagnosis = []
    return Case(name, data, verdicts, diagnosis, net.spec_file)


def build() -> list[Case]:
    cases: list[Case] = []
    # right calculations of the MOOC network at several precisions
    for decimals in (2, 3, 4, 6, None):
        label = "exact" if decimals is None else f"{decimals}dp"
        cases.append(_calculation(MOOC, f"right_{label}.txt", Style(), decimals=decimals))
    # the same right 4-decimal calculation in every way students write it
    formats = {
        "colon": Style(separator=": "),
        "approx": Style(numbers="approx"),
        "rounded": Style(numbers="rounded"),
        "comma": Style(numbers="comma"),
        "fullwidth": Style(full_width=True),
        "bom": Style(encoding="utf-8-sig"),
        "utf16": Style(encoding="utf-16"),
        "crlf": Style(newline="\r\n", headings=False),
        "chinese": Style(names="chinese"),
        "chinese_remark": Style(names="chinese", numbers="chinese_remark", separator="＝"),
        "unicode": Style(names="unicode", numbers="unicode_minus"),
        "mazur_names": Style(names="mazur"),
        "aliases": Style(names="aliases"),
        "upper_case": Style(names="upper"),
    }
    for label, style in formats.items():
        cases.append(_calculation(MOOC, f"right_{label}.txt", style))
    right = work(MOOC, decimals=4)
    values = {k: v for k, v in right.items() if not k.startswith("Δ")}
    cases.append(
        Case(
            "right.toml",
            toml_file(values, 4, ["the right calculation as TOML"]),
            expected_verdicts(MOOC, values, 4, None),
            [],
        )
    )
    cases.append(
        Case("right.json", json_file(values, 4), expected_verdicts(MOOC, values, 4, None), [])
    )
    toml_in_txt = toml_file(values, 4, ["TOML, saved with a .txt name"])
    cases.append(
        Case("right_toml_keys.txt", toml_in_txt, expected_verdicts(MOOC, values, 4, None), [])
    )
    changes = [f"Δw{i}" for i in range(1, 9)]
    keys = tuple(k for k in right if k.startswith("dL/dw")) + tuple(changes)
    cases.append(_calculation(MOOC, "right_changes.txt", Style(), keys=keys))
    formulas = {
        "delta_o1": "(o1 - y1)*o1*(1 - o1)",
        "delta_h1": "(delta_o1*w5 + delta_o2*w6)*h1*(1-h1)",
        "dL/dw5": "delta_o1 * h1",
        "w1_new": "w1 - eta*dL/dw1",
    }
    data = plain_file(values, 4, Style(), ["formulas with their values"], formulas)
    cases.append(
        Case(
            "right_formulas.txt",
            data,
            expected_verdicts(MOOC, values, 4, None),
            [],
            formulas={key: True for key in formulas},
        )
    )
    cases.append(_decimal_formulas(right))
    # only some numbers: the gradients, the updates
    gradient_keys = tuple(f"dL/dw{i}" for i in range(1, 9))
    cases.append(
        _calculation(MOOC, "right_gradients_only_2dp.txt", Style(), decimals=2, keys=gradient_keys)
    )
    update_keys = tuple(f"w{i}_new" for i in range(1, 9))
    cases.append(_calculation(MOOC, "right_updates_only.txt", Style(), keys=update_keys))
    # each catalogue mistake, made for real, written in a rotation of styles
    for index, mistake in enumerate(SINGLE_MISTAKES):
        style = ROTATION[index % len(ROTATION)]
        cases.append(_calculation(MOOC, f"mistake_{mistake}.txt", style, (mistake,)))
    for index, pair in enumerate(PAIRS):
        style = ROTATION[(index + 3) % len(ROTATION)]
        cases.append(_calculation(MOOC, f"pair_{'+'.join(pair)}.txt", style, pair))
    # a catalogue mistake at two decimals
    for mistake in ("added_gradients", "update_sign", "output_error_sign"):
        cases.append(
            _calculation(MOOC, f"mistake_{mistake}_2dp.txt", Style(), (mistake,), decimals=2)
        )
    # the course's own numbers (the gradients at 2 decimals with +0.01 for w1 and w3)
    course = work(MOOC, frozenset({"added_gradients"}), 2, frozenset(gradient_keys))
    course = {k: course[k] for k in gradient_keys}
    cases.append(
        Case(
            "course_gradients.txt",
            plain_file(course, 2, Style(headings=False), ["the MOOC 8.3 slides' gradients"]),
            expected_verdicts(MOOC, course, 2, frozenset(gradient_keys)),
            ["added_gradients"],
        )
    )
    cases += _slips()
    cases += _other_networks()
    cases += _gamed()
    cases += _several_samples()
    cases += _seen_in_class()
    return cases


def _decimal_formulas(right: dict[str, float]) -> Case:
    """Products of rounded numbers, not multiplied out: right at the precision of the factors.

    δ_o1 × h1 with both at 4 decimals may be off the true product by up to
    |h1|·0.00005 + |δ_o1|·0.00005 (and δ_o2 × the true h1 by |h1|·0.00005).
    """
    truth = work(MOOC, decimals=None)
    d1, d2, h1 = (fixed(right[k], 4) for k in ("delta_o1", "delta_o2", "h1"))
    half = 0.00005
    checks = {
        "dL/dw5": (f"{d1:.4f} × {h1:.4f}", d1 * h1, abs(h1) * half + abs(d1) * half),
        "dL/dw6": (f"{d2:.4f} * h1", d2 * truth["h1"], abs(truth["h1"]) * half),
    }
    subset = {k: right[k] for k in ("delta_o1", "delta_o2", "h1")}
    lines = "".join(f"{k} = {number_text(v, 4)}\n" for k, v in subset.items())
    lines += "".join(f"{k} = {text}\n" for k, (text, _, _) in checks.items())
    verdicts = expected_verdicts(MOOC, subset, 4, None)
    for key, (_, value, spread) in checks.items():
        verdicts[key] = "right" if abs(value - truth[key]) <= spread else "wrong"
    return Case(
        "right_decimal_formulas.txt",
        ("# products of the rounded numbers, not multiplied out\n" + lines).encode(),
        verdicts,
        [],
        formulas={key: verdicts[key] == "right" for key in checks},
    )


def _slip_case(name: str, note: str, slip_at: str, change: Callable[[float], float]) -> Case:
    def slip(key: str, value: float) -> float:
        return change(value) if key == slip_at else value

    values = work(MOOC, decimals=4, slip=slip)
    values = {k: v for k, v in values.items() if not k.startswith("Δ")}
    verdicts = expected_verdicts(MOOC, values, 4, None, frozenset({slip_at}))
    data = plain_file(values, 4, Style(), [note])
    return Case(name, data, verdicts, None, entered=[slip_at])


def _slips() -> list[Case]:
    """Mistakes outside the catalogue: no diagnosis, the entry point at the slip."""
    return [
        _slip_case("slip_sign_delta_h1.txt", "δ_h1's sign lost", "delta_h1", lambda v: -v),
        _slip_case(
            "slip_digits_h1.txt",
            "h1's digits transposed (0.5622 -> 0.5262)",
            "h1",
            lambda v: 0.5262,
        ),
        _slip_case("slip_x2_misread.txt", "z_h1 from x2 = 0.35", "z_h1", lambda v: v + 0.5 * 0.05),
        _slip_case(
            "slip_tanh_prime.txt",
            "δ_o2 with tanh′ = 1 − o2²",
            "delta_o2",
            lambda v: 0.5987 * (1 - 0.5287**2),
        ),
        _slip_case(
            "slip_loss_unsquared.txt",
            "L = ½Σ|o − y| without the squares",
            "L",
            lambda v: 0.5 * (0.2469 + 0.5987),
        ),
    ]


def _other_networks() -> list[Case]:
    cases = [
        _calculation(WIDE, "wide_right.txt", Style(), note="[3, 4, 2], by-target numbering"),
        _calculation(WIDE, "wide_right_6dp.txt", Style(names="unicode"), decimals=6),
        _calculation(WIDE, "wide_mistake_added_gradients.txt", Style(), ("added_gradients",)),
        _calculation(WIDE, "wide_mistake_numbering.txt", Style(), ("numbering",)),
        _calculation(
            WIDE, "wide_pair.txt", Style(names="chinese"), ("missing_sigma_prime", "update_sign")
        ),
        _calculation(MAZUR, "mazur_right.txt", Style(names="mazur"), decimals=8),
        _calculation(MAZUR, "mazur_update_sign.txt", Style(names="mazur"), ("update_sign",)),
    ]
    # Mazur's post as published (9 decimals, worked without rounding), independent of work()
    published = {"L": "0.298371109", "dL/dw5": "0.082167041", "w5_new": "0.35891648"}
    text = "".join(f"{k} = {v}\n" for k, v in published.items())
    cases.append(
        Case(
            "mazur_published.txt",
            f"spec = {MAZUR.spec_file}\n# Matt Mazur's published numbers\n{text}".encode(),
            {k: "right" for k in published},
            [],
            MAZUR.spec_file,
        )
    )
    return cases


def _gamed() -> list[Case]:
    """Numbers that state no precision, which must be exact: one the true value only rounds to
    (within half a unit, 0.5) has too few decimals; one it does not even round to is wrong."""
    zeros = {f"dL/dw{i}": 0.0 for i in range(1, 9)}
    ones = {"h1": 1.0, "h2": 0.0}
    truth = work(MOOC, decimals=None)

    def verdict(key: str, written: float) -> str:
        return "too few decimals" if abs(truth[key] - written) <= 0.5 else "wrong"

    cases = [
        Case(
            "gamed_zero_gradients.txt",
            "".join(f"{k} = 0\n" for k in zeros).encode(),
            {k: verdict(k, v) for k, v in zeros.items()},
            None,
        ),
        Case(
            "gamed_integer_activations.txt",
            b"h1 = 1\nh2 = 0\n",
            {k: verdict(k, v) for k, v in ones.items()},
            None,
            entered=[k for k, v in ones.items() if verdict(k, v) == "wrong"],
        ),
    ]
    assert all(truth[k] != 0 for k in zeros)
    return cases


# -- mistakes seen in real hand calculations (issue 24, Why 10) -----------------------------

TANH_SPEC = "mooc_tanh.toml"
SOFTMAX_SPEC = "mooc_softmax.toml"
#: the softmax network's target: class 1 (0-based, as torch takes it), the second output
TARGET_CLASS = 1


def work_activations(
    hidden: str, output: str, mistakes: frozenset[str] = frozenset(), decimals: int | None = 4
) -> dict[str, float]:
    """The MOOC 8.3 network with a tanh or sigmoid hidden layer and a sigmoid output (½ squared
    error) or a softmax output (cross-entropy, target class TARGET_CLASS), worked as a student
    does: each number rounded to `decimals` before it is used again."""

    def r(value: float) -> float:
        return value if decimals is None else fixed(value, decimals)

    def act(name: str, z: float) -> float:
        return math.tanh(z) if name == "tanh" else sigmoid(z)

    out: dict[str, float] = {}
    w = {edge: MOOC.weights[i] for i, edge in enumerate(edges(MOOC, "by-source"))}
    a = {"x1": MOOC.inputs[0], "x2": MOOC.inputs[1]}
    for unit in ("h1", "h2"):
        z = out[f"z_{unit}"] = r(sum(w[(s, t)] * a[s] for s, t in w if t == unit))
        a[unit] = out[unit] = r(act(hidden, z))
    zs = {o: r(sum(w[(s, t)] * a[s] for s, t in w if t == o)) for o in ("o1", "o2")}
    for o in ("o1", "o2"):
        out[f"z_{o}"] = zs[o]
    if output == "softmax":
        total = sum(math.exp(z) for z in zs.values())
        for o in ("o1", "o2"):
            a[o] = out[o] = r(math.exp(zs[o]) / total)
        hot = TARGET_CLASS - 1 if "class_one_based" in mistakes else TARGET_CLASS
        y = {o: float(k == hot) for k, o in enumerate(("o1", "o2"))}
        out["L"] = r(-sum(y[o] * math.log(a[o]) for o in y))
    else:
        for o in ("o1", "o2"):
            a[o] = out[o] = r(sigmoid(zs[o]))
        y = dict(zip(("o1", "o2"), MOOC.targets, strict=True))
        out["L"] = r(0.5 * sum((a[o] - y[o]) ** 2 for o in y))
    delta = {}
    for o in ("o1", "o2"):
        if output == "softmax":
            d = a[o] - y[o]  # softmax with cross-entropy: the Jacobian is in o − y
            if "softmax_sigma_prime" in mistakes:
                d *= a[o] * (1 - a[o])
        else:
            d = (a[o] - y[o]) * a[o] * (1 - a[o])
        delta[o] = out[f"delta_{o}"] = r(d)
    for h in ("h1", "h2"):
        upstream = out[f"dL/d{h}"] = r(sum(delta[o] * w[(h, o)] for o in ("o1", "o2")))
        if hidden == "tanh" and "tanh_prime_as_sigmoid" not in mistakes:
            local = 1 - a[h] ** 2
        else:
            local = a[h] * (1 - a[h])
        delta[h] = out[f"delta_{h}"] = r(upstream * local)
    for i, (source, target) in enumerate(edges(MOOC, "by-source")):
        gradient = out[f"dL/dw{i + 1}"] = r(delta[target] * a[source])
        out[f"w{i + 1}_new"] = r(MOOC.weights[i] - MOOC.eta * gradient)
    return out


def _rule_verdicts(
    values: dict[str, float], decimals: int, truth: dict[str, float], careful: dict[str, float]
) -> dict[str, str]:
    """The module docstring's rule for a calculation of `truth` worked at `decimals`."""
    verdicts = {}
    for key, value in values.items():
        text = number_text(value, decimals)
        if not any(c in "123456789" for c in text):
            verdicts[key] = "right" if float(text) == truth[key] else "wrong"
        elif text == number_text(truth[key], decimals):
            verdicts[key] = "right"
        elif text == number_text(careful[key], decimals):
            verdicts[key] = "right to the stated precision"
        else:
            verdicts[key] = "wrong"
    return verdicts


def _activation_case(name: str, hidden: str, output: str, mistake: str, spec: str) -> Case:
    values = work_activations(hidden, output, frozenset({mistake}))
    truth = work_activations(hidden, output, decimals=None)
    careful = work_activations(hidden, output)
    header = f"# {hidden} hidden layer, {output} output: {mistake.replace('_', ' ')}"
    lines = [f"spec = {spec}", header]
    lines += [f"{k} = {number_text(v, 4)}" for k, v in values.items()]
    return Case(
        name,
        ("\n".join(lines) + "\n").encode(),
        _rule_verdicts(values, 4, truth, careful),
        [mistake],
        spec,
    )


def _seen_in_class() -> list[Case]:
    cases = [
        _activation_case(
            "seen_tanh_prime_as_sigmoid.txt", "tanh", "sigmoid", "tanh_prime_as_sigmoid", TANH_SPEC
        ),
        _activation_case(
            "seen_softmax_sigma_prime.txt",
            "sigmoid",
            "softmax",
            "softmax_sigma_prime",
            SOFTMAX_SPEC,
        ),
        _activation_case(
            "seen_class_one_based.txt", "sigmoid", "softmax", "class_one_based", SOFTMAX_SPEC
        ),
        _calculation(MOOC, "seen_error_doubled.txt", Style(), ("error_doubled",)),
    ]
    # Mazur's network with its biases left out of every z
    forgot = work(replace(MAZUR, biases=(0.0, 0.0)), decimals=4)
    forgot = {k: v for k, v in forgot.items() if not k.startswith("Δ")}
    cases.append(
        Case(
            "seen_biases_forgotten.txt",
            plain_file(forgot, 4, Style(), ["biases left out of z"], spec=MAZUR.spec_file),
            expected_verdicts(MAZUR, forgot, 4, None),
            ["biases_forgotten"],
            MAZUR.spec_file,
        )
    )
    # carried rounding at 3 decimals: a wrong number that rounds to 0.000 still matches
    cases.append(
        _calculation(
            MOOC, "seen_3dp_zero.txt", Style(), ("dropped_path_o2",), decimals=3, note="0.000"
        )
    )
    return cases


def activation_specs() -> dict[str, bytes]:
    common = [
        "layers = [2, 2, 2]",
        'numbering = "by-source"',
        f"learning_rate = {MOOC.eta}",
        f"inputs = {list(MOOC.inputs)}",
        f"weights = {list(MOOC.weights)}",
    ]
    tanh = ['title = "MOOC 8.3 with a tanh hidden layer"', 'activation = ["tanh", "sigmoid"]']
    tanh.append(f"targets = {list(MOOC.targets)}")
    softmax = ['title = "MOOC 8.3 with softmax"', 'activation = ["sigmoid", "softmax"]']
    softmax += ['loss = "cross_entropy"', f"targets = {TARGET_CLASS}"]
    return {
        TANH_SPEC: ("\n".join(tanh + common) + "\n").encode(),
        SOFTMAX_SPEC: ("\n".join(softmax + common) + "\n").encode(),
    }


# -- several samples -------------------------------------------------------------------------

#: the MOOC network learning from three samples, their losses and gradients averaged
SAMPLES = (
    ((0.5, 0.3), (0.23, -0.07)),
    ((0.1, 0.9), (0.5, 0.2)),
    ((-0.4, 0.7), (0.9, 0.6)),
)
SAMPLES_SPEC = "mooc_3_samples.toml"


def work_samples(
    mode: str = "right", decimals: int | None = 4, written: frozenset[str] | None = None
) -> dict[str, float]:
    """A calculation over SAMPLES: sample 1 worked in full (as the handouts do), each sample's
    L(n) and dL(n)/dw, then L and dL/dw as their mean and the update. `mode` "first": L and
    dL/dw are sample 1's alone; "summed": the samples' sum instead of their mean."""

    def r(name: str, value: float) -> float:
        if decimals is None or (written is not None and name not in written):
            return value
        return fixed(value, decimals)

    # sample 1 is worked as written; samples 2… without writing their steps down (only their
    # own L(n) and dL(n)/dw are written, and rounded): symbp takes an unwritten step as exact
    def own(n: int) -> frozenset[str] | None:
        names = {f"L({n})": "L"} | {f"dL({n})/dw{i}": f"dL/dw{i}" for i in range(1, 9)}
        steps = ("z_", "h", "o", "delta_", "dL/dh", "dL/do")
        if written is None:
            return None if n == 1 else frozenset(names.values())
        mine = {names[k] for k in written if k in names}
        return frozenset(mine | {k for k in written if n == 1 and k.startswith(steps)})

    per_sample = [
        work(replace(MOOC, inputs=x, targets=y), decimals=decimals, written=own(index))
        for index, (x, y) in enumerate(SAMPLES, 1)
    ]
    out = {k: v for k, v in per_sample[0].items() if k.startswith(("z_", "h", "o", "delta_"))}
    n = len(SAMPLES)
    divisor = 1 if mode == "summed" else n
    used = per_sample[:1] if mode == "first" else per_sample
    if mode == "first":
        divisor = 1
    for index, values in enumerate(per_sample, 1):
        out[f"L({index})"] = values["L"]
    out["L"] = r("L", sum(out[f"L({n})"] for n in range(1, len(used) + 1)) / divisor)
    for i in range(1, 9):
        mine = [v[f"dL/dw{i}"] for v in per_sample]
        for index, gradient in enumerate(mine, 1):
            out[f"dL({index})/dw{i}"] = gradient
        gradient = out[f"dL/dw{i}"] = r(f"dL/dw{i}", sum(mine[: len(used)]) / divisor)
        out[f"w{i}_new"] = r(f"w{i}_new", MOOC.weights[i - 1] - MOOC.eta * gradient)
    return out


def _samples_verdicts(
    values: dict[str, float], decimals: int, written: frozenset[str] | None
) -> dict[str, str]:
    """The module docstring's rule, with the truth and the careful calculation over SAMPLES."""
    truth = work_samples(decimals=None)
    careful = work_samples(decimals=decimals, written=written)
    verdicts = {}
    for key, value in values.items():
        text = number_text(value, decimals)
        if text == number_text(truth[key], decimals):
            verdicts[key] = "right"
        elif text == number_text(careful[key], decimals):
            verdicts[key] = "right to the stated precision"
        else:
            verdicts[key] = "wrong"
    return verdicts


def _samples_case(
    name: str, mode: str, keys: Callable[[str], bool], spelling: Callable[[str], str], note: str
) -> Case:
    values = {k: v for k, v in work_samples(mode).items() if keys(k)}
    written = frozenset(values)
    if written != frozenset(work_samples(mode)):  # unwritten steps are not rounded
        values = {k: v for k, v in work_samples(mode, written=written).items() if k in written}
    lines = [f"spec = {SAMPLES_SPEC}", f"# three samples, mean loss: {note}"]
    lines += [f"{spelling(k)} = {number_text(v, 4)}" for k, v in values.items()]
    diagnosis = {"right": [], "first": ["first_sample_only"], "summed": ["summed_samples"]}[mode]
    return Case(
        name,
        ("\n".join(lines) + "\n").encode(),
        _samples_verdicts(values, 4, written),
        diagnosis,
        SAMPLES_SPEC,
    )


def _handout_spelling(key: str) -> str:
    """L⁽²⁾ and ∂L⁽²⁾/∂w1, as the handouts print a sample's own loss and gradients."""
    sup = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    if key.startswith("L("):
        return f"L⁽{key[2:-1].translate(sup)}⁾"
    if key.startswith("dL("):
        n, wrt = key[3:].split(")/d")
        return f"∂L⁽{n.translate(sup)}⁾/∂{wrt}"
    return key


def _several_samples() -> list[Case]:
    def reduced(key: str) -> bool:
        return key == "L" or key.startswith("dL/dw") or key.endswith("_new")

    def first_and_reduced(key: str) -> bool:
        return reduced(key) or key.startswith(("z_", "h", "o"))

    return [
        _samples_case("samples_right.txt", "right", lambda k: True, str, "everything"),
        _samples_case(
            "samples_per_sample.txt",
            "right",
            lambda k: "(" in k,
            _handout_spelling,
            "each sample's loss and gradients, named as the handouts name them",
        ),
        _samples_case(
            "samples_first_only.txt",
            "first",
            first_and_reduced,
            str,
            "sample 1 worked, and its loss and gradients taken for L and dL/dw",
        ),
        _samples_case(
            "samples_summed.txt", "summed", reduced, str, "the samples summed, not averaged"
        ),
    ]


def samples_spec() -> bytes:
    inputs = [list(x) for x, _ in SAMPLES]
    targets = [list(y) for _, y in SAMPLES]
    lines = [
        'title = "MOOC 8.3 network, three samples"',
        f"layers = {list(MOOC.sizes)}",
        f'numbering = "{MOOC.numbering}"',
        f"learning_rate = {MOOC.eta}",
        f"inputs = {inputs}",
        f"targets = {targets}",
        f"weights = {list(MOOC.weights)}",
        'reduction = "mean"',
    ]
    return ("\n".join(lines) + "\n").encode()


def spec_files() -> dict[str, bytes]:
    files = {}
    for net in (WIDE, MAZUR):
        assert net.spec_file is not None
        lines = [
            f'title = "{net.name} network"',
            f"layers = {list(net.sizes)}",
            f'numbering = "{net.numbering}"',
            f"learning_rate = {net.eta}",
            f"inputs = {list(net.inputs)}",
            f"targets = {list(net.targets)}",
            f"weights = {list(net.weights)}",
        ]
        if any(net.biases):
            lines += ['bias = "per-layer"', f"bias_values = {list(net.biases)}"]
            lines.append("bias_trainable = false")
        files[net.spec_file] = ("\n".join(lines) + "\n").encode()
    files[SAMPLES_SPEC] = samples_spec()
    files |= activation_specs()
    return files


def expected_document(cases: list[Case]) -> bytes:
    document = {
        case.name: {
            "spec": case.spec,
            "verdicts": case.verdicts,
            "diagnosis": case.diagnosis,
            "entered": case.entered,
            "formulas": case.formulas,
        }
        for case in cases
    }
    return (json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode()


def corpus() -> dict[str, bytes]:
    """Every file of the corpus by name: the hand files, the specs and expected.json."""
    cases = build()
    files = {case.name: case.data for case in cases}
    files |= spec_files()
    files["expected.json"] = expected_document(cases)
    return files


def main() -> None:
    for old in HERE.iterdir():
        if old.suffix in (".txt", ".toml", ".json") and old.name != "generate.py":
            old.unlink()
    for name, data in corpus().items():
        (HERE / name).write_bytes(data)
    print(f"{len(corpus()) - 3} hand files written to {HERE}")


if __name__ == "__main__":
    main()
