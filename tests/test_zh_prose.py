"""Issue 26 item 9: the Chinese of the handouts, as a Chinese teacher would read it.

Every piece of prose a zh handout prints (scalar and matrix form, several networks, the
torch check included) is scanned for what a reviewer found: ASCII colons and semicolons
in Chinese text, English words outside mathematics (beyond the names of tools, functions and
books that Chinese courses write in Latin letters), the literal phrasings of the first
translation and terms used inconsistently (权重, not 权值; 神经元, not 单元; 学习率; 链式法则).
The detectors are shown to catch each fault on the old strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

import symbp
from symbp.content.blocks import Equations, Heading, Paragraph, Table, Text
from symbp.core.spec import load_spec, spec_from_mapping

from .conftest import require_module
from .test_layout import ISSUE_26_NETS, LEAKY_ADAM

ROOT = Path(__file__).resolve().parents[1]
CJK = r"\u4e00-\u9fff"

#: Latin words a Chinese handout keeps as they are: tools, libraries, code, function names as
#: Chinese courses write them, and the authors and book a note cites
ALLOWED_WORDS = {
    *("torch", "symbp", "numpy", "default_rng", "sympy", "float64", "float32", "autograd"),
    *("softmax", "relu", "sigmoid", "tanh", "leaky_relu", "elu", "log", "exp", "max", "min"),
    *("Leaky", "ReLU"),  # Leaky ReLU, as Chinese courses name it in prose
    *("Adam", "AdamW", "SGD", "RMSprop", "Adagrad", "MSELoss", "CrossEntropyLoss", "BCE"),
    *("nn", "optim", "lr", "betas", "eps", "weight_decay", "amsgrad", "momentum", "False"),
    *("True", "nesterov", "dampening", "alpha", "Heaviside", "json", "format", "train"),
    *("Bishop", "Nielsen", "MOOC", "CS231n", "with", "logits"),
}
#: whole phrases kept in English: a book's own title
ALLOWED_PHRASES = ("Neural Networks and Deep Learning",)
#: what the first translation said, and terms Chinese courses do not mix with ours
BAD_PHRASES = (
    "为什么是这个符号",
    "对样本取",
    "取（平均）后",
    "对各样本取",
    "权值",
    "学习速率",
    "链式规则",
    "隐藏单元",
    "输出单元",
    "本单元",
    "拐点",  # an inflection point; relu's corner is a 折点
)


def _prose(parts: Iterable[Any]) -> str:
    """The prose of some inline content; mathematics becomes a placeholder."""
    return "".join(p.text if isinstance(p, Text) else " ⟨m⟩ " for p in parts)


def prose_pieces(blocks: Iterable[Any]) -> Iterator[str]:
    """Every piece of prose of a document but its title (a spec's own words)."""
    for block in blocks:
        if isinstance(block, Paragraph) or (isinstance(block, Heading) and block.level > 1):
            yield _prose(block.parts)
        elif isinstance(block, Table):
            for row in (block.header, *block.rows):
                yield from (_prose(cell) for cell in row)
        elif isinstance(block, Equations):
            yield from (_prose(row.tag) for row in block.rows if row.tag)


def faults(piece: str) -> list[str]:
    """What a Chinese reader would mark in one piece of prose."""
    found = []
    if re.search(f"[{CJK}]", piece):
        if re.search(r"[:;]", piece):
            found.append("ASCII colon or semicolon in Chinese text")
        if re.search(f"[{CJK}][,.?!]|[,?!][{CJK}]", piece):
            found.append("ASCII punctuation beside a Chinese character")
        if re.search(f"[。！？；：，、）] +[{CJK}]", piece):  # two sentences run on with a space
            found.append("a space after Chinese punctuation")
        # a tuple, (4, 5, 5, 3) or (j, i), is mathematics in either language
        bracketed = re.sub(r"\((?:[\w.−-]{1,6}, ?)+[\w.−-]{1,6}\)", "", piece)
        # an aside opened in Chinese takes （ (a function's argument, relu′(0), is mathematics)
        if re.search(f"[{CJK}] ?\\(", bracketed):
            found.append("ASCII parenthesis beside a Chinese character")
    text = piece
    for phrase in ALLOWED_PHRASES:
        text = text.replace(phrase, "")
    text = re.sub(r"torch\.optim\.\w+\([^)]*\)", "", text)  # the optimizer's own call, as code
    text = re.sub(r"\d+\.\d+[\w.+]*", "", text)  # a version: torch 2.13.0+cpu
    text = re.sub(r"(?<![A-Za-z])[QA]\d+\. ", "", text)  # a question's number, Q1. (A1.)
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z_0-9]+", text) if w not in ALLOWED_WORDS]
    if words:
        found.append(f"English outside mathematics: {words}")
    found += [f"literal or inconsistent: {bad}" for bad in BAD_PHRASES if bad in piece]
    return found


def _problems() -> dict[str, symbp.Problem]:
    found = {}
    for name, (data, _) in ISSUE_26_NETS.items():
        spec = spec_from_mapping({"title": name, "learning_rate": 0.5, **data}, source=name)
        found[name] = symbp.Problem(spec)
    found["leaky_adam_2_steps"] = symbp.Problem(
        spec_from_mapping({"title": "adam", **LEAKY_ADAM}, source="adam")
    )
    for stem in ("cross_entropy", "mse_mean", "relu", "zero_init", "two_hidden_layers"):
        found[stem] = symbp.Problem(load_spec(ROOT / "examples" / f"{stem}.toml"))
    for stem in ("mazur_2_2_2", "cs231n_neuron", "step_size_and_rounds", "adam"):
        found[stem] = symbp.Problem(load_spec(ROOT / "examples" / f"{stem}.toml"))
    return found


PROBLEMS = _problems()


@pytest.mark.parametrize("form", ["scalar", "matrix"])
@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_the_chinese_of_every_handout_reads_as_chinese(name: str, form: str) -> None:
    problem = PROBLEMS[name]
    handout = problem.handout(lang="zh", check=False, form=form)
    marked = {piece: faults(piece) for piece in prose_pieces(handout.blocks())}
    assert {piece: found for piece, found in marked.items() if found} == {}


@pytest.mark.parametrize("form", ["scalar", "matrix"])
def test_the_chinese_of_the_torch_check_reads_as_chinese(form: str) -> None:
    require_module("torch")
    handout = symbp.problem().handout(lang="zh", form=form)
    marked = {piece: faults(piece) for piece in prose_pieces(handout.blocks())}
    assert {piece: found for piece, found in marked.items() if found} == {}


@pytest.mark.parametrize(
    ("old", "fault"),
    [
        ("为什么是这个符号: ⟨m⟩", "ASCII colon"),
        ("对样本取（平均）后，损失仍是每个输出各一项之和：", "literal"),
        ("样本 1: ", "ASCII colon"),
        ("初始权重：Random initial weights, drawn uniformly", "English"),
        ("torch 自动求导 (float64)", "parenthesis"),
        ("注意：恰好处在激活函数的拐点", "literal or inconsistent"),
    ],
)
def test_the_detectors_catch_the_old_strings(old: str, fault: str) -> None:
    assert any(fault in found for found in faults(old))


def test_code_and_a_book_title_are_not_english_prose() -> None:
    fine = (
        "参数由 Adam（torch.optim.Adam(lr=0.1, betas=(0.9, 0.999), eps=1e-08)）更新。"
        "本讲义与 Nielsen 的《Neural Networks and Deep Learning》一样。"
    )
    assert faults(fine) == []
