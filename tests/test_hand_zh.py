"""check-hand in Chinese (`--lang zh`): every report of the corpus names its mistake in Chinese
and says nothing in English, with the same verdicts and diagnoses as in English; the exercise's
self-check page and Moodle quiz in Chinese name the catalogue's mistakes in Chinese too.

The Chinese names below are written here, from the catalogue's meaning, not read from symbp.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from symbp.api.problem import check_hand_file
from symbp.cli import main
from symbp.formats.text import WIDTH, width

from .test_hand_corpus import CORPUS, expected

#: what a Chinese report must call each catalogue mistake (a dropped path and a learning rate
#: carry the unit's name or the rates)
ZH = {
    "added_gradients": "把下游权重的梯度相加，而不是 δ·w",
    "half_doubled": "损失函数的 ½ 用了两次",
    "half_dropped": "丢掉了损失函数的 ½",
    "labels_swapped": "方式命名（数值对，名称错）",
    "missing_sigma_prime": "漏了 σ′ 因子",
    "missing_sigma_prime_hidden": "隐藏层漏了 σ′ 因子",
    "missing_sigma_prime_output": "输出层漏了 σ′ 因子",
    "numbering": "方式编号",
    "output_error_sign": "输出误差的符号反了",
    "sigma_prime_of_z": "σ′ 用了 z 而不是 a",
    "update_sign": "更新的方向反了",
    "updated_output_weights": "用了已经更新过的输出层权重",
    "first_sample_only": "只用了第 1 个样本",
    "summed_samples": "样本求和而不是求平均",
    "error_doubled": "却用了 ∂L/∂o = 2(o − y)",
    "tanh_prime_as_sigmoid": "把 tanh′ 当成了 a(1 − a)",
    "softmax_sigma_prime": "softmax 的误差又乘了 o(1 − o)",
    "class_one_based": "把类别序号当成从 1 开始",
    "biases_forgotten": "计算 z 时漏了偏置",
}
VERDICTS = {
    "right": "正确",
    "right to the stated precision": "在所写精度下正确",
    "wrong": "错误",
    "too few decimals": "小数位数不够",
}
#: English words of a report, none of which may be left in a Chinese one (the heading, which
#: quotes the file's name and the spec's own title, aside)
ENGLISH = re.compile(
    r"\b(right|wrong|WRONG|reproduces?|entered|Formulas|mistake|numbers|true|yours|verdict|"
    r"quantity|Partly|catalogue|learning rate|DIFFERENT|equal)\b"
)


def _zh_name(key: str) -> str:
    if key.startswith("dropped_path_"):
        return f"漏掉了经过 {key[len('dropped_path_') :]} 的路径"
    if key == "learning_rate":
        return "学习率用了 "
    return ZH[key]


CASES = sorted(expected().items())


@pytest.mark.parametrize(("name", "want"), CASES, ids=[name for name, _ in CASES])
def test_a_chinese_report_says_what_the_english_one_says_in_chinese(
    name: str, want: dict[str, object]
) -> None:
    spec = None if want["spec"] is None else str(CORPUS / str(want["spec"]))
    english = check_hand_file(CORPUS / name, spec)
    chinese = check_hand_file(CORPUS / name, spec, lang="zh")
    assert chinese.to_json() == english.to_json()  # JSON is the same, in English
    for fmt in ("text", "markdown", "html"):
        shown = chinese.render(fmt)
        body = shown.split("\n", 2)[-1] if fmt != "html" else re.sub(r"<h1>.*?</h1>", "", shown)
        if fmt == "html":
            body = re.sub(r"<[^>]+>", " ", body.split("<body", 1)[-1])
        body = re.sub(r"\$[^$]*\$", " ", body)  # Markdown's LaTeX (\left( … \right))
        assert not ENGLISH.search(body), (fmt, ENGLISH.search(body))
    text = chinese.render("text")
    # prose wraps at 100 columns, a Chinese character taking two (headings and the table are
    # not wrapped)
    for block in text.split("\n\n"):
        lines = block.splitlines()
        heading = len(lines) == 2 and set(lines[1]) <= {"=", "-"}
        if not heading and not block.startswith("  量"):
            assert all(width(line) <= WIDTH for line in lines), block
    table = next(block for block in text.split("\n\n") if block.startswith("  量"))
    rows = {line.split()[0]: line for line in table.splitlines()[1:]}
    verdicts = want["verdicts"]
    assert isinstance(verdicts, dict)
    for key, verdict in verdicts.items():
        shown_key = key.replace("dL/d", "∂L/∂").replace("delta_", "δ_")
        if shown_key in rows:
            assert VERDICTS[verdict] in rows[shown_key], (key, rows[shown_key])
    diagnosis = want["diagnosis"]
    if diagnosis:
        assert isinstance(diagnosis, list)
        first = next(line for line in text.splitlines() if line.startswith("1. "))
        for key in diagnosis:
            assert _zh_name(key) in first, (key, first)


def test_the_chinese_self_check_page_and_quiz_name_the_mistakes_in_chinese(tmp_path: Path) -> None:
    from .selfcheck_seal import open_seal

    out = tmp_path / "zh"
    quiz = tmp_path / "quiz.xml"
    args = ["exercise", "--count", "2", "--lang", "zh", "--interactive", "--out", str(out)]
    assert main([*args, "--moodle", str(quiz)]) == 0
    page = (out / "s001" / "selfcheck.html").read_text(encoding="utf-8")
    data = json.loads(
        re.search(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S)[1]
    )
    data |= open_seal(page)  # the catalogue is sealed with the exercise's arithmetic
    titles = {m["key"]: m["title"] for m in data["mistakes"]}
    assert titles["added_gradients"] == ZH["added_gradients"]
    assert titles["update_sign"] == ZH["update_sign"]
    assert all(re.search(r"[\u4e00-\u9fff]", m["sentence"]) for m in data["mistakes"])
    assert data["labels"]["hand_right"] == "正确"
    xml = quiz.read_text(encoding="utf-8")
    assert ZH["output_error_sign"] + "。" in xml
    assert "the output error" not in xml.lower()


def test_a_chinese_class_is_graded_in_chinese(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from . import classwork

    folder = tmp_path / "week3"
    assert (
        main(["exercise", "--count", "40", "--seed", "11", "--lang", "zh", "--out", str(folder)])
        == 0
    )
    asked = tuple(json.loads((folder / "exercise.json").read_text(encoding="utf-8"))["asked"])
    rows = classwork.submissions(folder, asked)
    sheet = tmp_path / "submissions.csv"
    sheet.write_text(classwork.submissions_csv(rows, asked), encoding="utf-8")
    capsys.readouterr()
    assert main(["grade", str(sheet), "--exercises", str(folder)]) == 0  # the folder's language
    text = capsys.readouterr().out
    assert main(["grade", str(sheet), "--exercises", str(folder), "--format", "json"]) == 0
    chinese_json = capsys.readouterr().out
    args = ["grade", str(sheet), "--exercises", str(folder), "--lang", "en", "--format", "json"]
    assert main(args) == 0
    assert capsys.readouterr().out == chinese_json  # JSON is the same, in English
    summary = text.split("\ns001", 1)[0]
    lines = [line for line in summary.splitlines()[2:] if "submissions" not in line]
    assert not ENGLISH.search("\n".join(lines)), ENGLISH.search("\n".join(lines))
    assert "已批改 40 份提交" in text
    want = classwork.expected_summary(rows, asked)["mistakes"]
    assert isinstance(want, dict) and want
    for key, count in want.items():  # each mistake's row: its Chinese name, then its count
        name = _zh_name(key)
        row = next(line for line in summary.splitlines() if name in line)
        assert re.search(rf"\s{count}\s", row), row
