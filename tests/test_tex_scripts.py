"""Every .tex names the engine that compiles it, and sets names and titles in any script a
class brings (CJK, Cyrillic, Greek, Vietnamese, accents, apostrophes) without dropping a glyph,
or refuses with one line; a command-line option is set as code, never as a dash."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from symbp import cli
from symbp.errors import SymbpError
from symbp.formats import latex_math
from symbp.formats.tex_fonts import (
    CJK_BLOCKS,
    DEJAVU_SERIF,
    LATIN_MODERN,
    WENQUANYI,
    covers,
    fonts_for,
    tex_engine,
)

from .conftest import require_module, require_tool

NAMES = {
    "s1": "王芳",
    "s2": "张喆",  # 喆 is missing from ctex's default Song: the fallback font sets it
    "s3": "佐藤 さくら",
    "s4": "김민준",
    "s5": "Иван Петров",
    "s6": "Nguyễn Văn An",
    "s7": "Đorđević Milan",
    "s8": "Σωκράτης Παπαδόπουλος",
    "s9": "Zoë O'Brien",
    "s10": "Ada Lovelace",
}


def _compile(tex: Path, work: Path) -> str:
    """Compile with the engine the file's first line names; the PDF's text."""
    source = tex.read_text(encoding="utf-8")
    engine = require_tool(tex_engine(source))
    assert source.startswith(f"% Compile with {Path(engine).name}")
    work.mkdir(parents=True)
    (work / tex.name).write_text(source, encoding="utf-8")
    result = subprocess.run(
        [engine, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", tex.name],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = (work / tex.with_suffix(".log").name).read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, log[-2000:]
    assert "Missing character" not in log
    assert not re.search(r"Overfull \\hbox \((\d{2,}|[3-9])\.", log)
    pdftotext = require_tool("pdftotext")
    pdf = str(work / tex.with_suffix(".pdf").name)
    return subprocess.run([pdftotext, pdf, "-"], capture_output=True, text=True).stdout


def _bare(text: str) -> str:
    # CJK typesetting drops the space between family and given name; TeX sets ' as ’
    return "".join(text.replace("'", "’").split())


@pytest.mark.slow
def test_a_class_of_every_script_compiles_and_keeps_every_name(tmp_path: Path) -> None:
    roster = tmp_path / "class.csv"
    rows = "".join(f"{sid},{name}\n" for sid, name in NAMES.items())
    roster.write_text("id,name\n" + rows, encoding="utf-8")
    out = tmp_path / "week3"
    args = ["exercise", "--roster", str(roster), "--seed", "7", "--out", str(out)]
    assert cli.main([*args, "--interactive", "--moodle", str(tmp_path / "q.xml")]) == 0
    for sid, name in NAMES.items():
        sheet = out / sid / "worksheet.tex"
        engine = tex_engine(sheet.read_text(encoding="utf-8"))
        assert engine == ("pdflatex" if name == "Ada Lovelace" else "xelatex")
        text = _compile(sheet, tmp_path / "pdf" / sid)
        assert _bare(name) in _bare(text), (name, text[:300])
        assert "--spec spec.toml" in text  # two hyphens, not an en dash
    # one key in full (the handout behind the answers), in a script Latin Modern lacks
    text = _compile(out / "s5" / "key.tex", tmp_path / "pdf" / "key")
    assert _bare(NAMES["s5"]) in _bare(text)


@pytest.mark.slow
@pytest.mark.parametrize(
    "title",
    ["Привет", "第三周", "Ω and ∂", "Week 3 — Nguyễn’s class", "Ἀθηνᾶ, Ὀδυσσεύς"],  # polytonic
)
def test_an_english_handout_with_a_title_in_any_script_compiles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], title: str
) -> None:
    tex = tmp_path / "h.tex"
    args = ["handout", "-o", str(tex), "--title", title, "--no-check", "--compact"]
    assert cli.main(args) == cli.EXIT_OK
    assert capsys.readouterr().err == f"symbp: wrote {str(tex)!r}: compile it with xelatex\n"
    text = _compile(tex, tmp_path / "pdf")
    shown = title.replace("∂", "")  # ∂ is set in math mode, whose font has no text mapping
    assert _bare(shown) in _bare(text.replace("-", "−")) or _bare(shown) in _bare(text)


@pytest.mark.parametrize("title", ["Week 3 🙂", "مرحبا", "नमस्ते"])
def test_a_character_no_font_has_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], title: str
) -> None:
    tex = tmp_path / "h.tex"
    args = ["handout", "-o", str(tex), "--title", title, "--no-check"]
    assert cli.main(args) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("symbp: error: the .tex cannot typeset ") and err.count("\n") == 1
    assert "write .html or .md" in err
    assert not tex.exists()
    # the other formats set it (the browser finds a font)
    assert cli.main(["handout", "-o", str(tmp_path / "h.html"), "--title", title,
                     "--no-check"]) == cli.EXIT_OK  # fmt: skip


def test_a_roster_name_no_font_has_is_refused_naming_the_student(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "class.csv"
    roster.write_text("id,name\na,Ada\nb,Bo 🙂\n", encoding="utf-8")
    out = tmp_path / "week3"
    assert cli.main(["exercise", "--roster", str(roster), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symbp: error: student 'b': the .tex cannot typeset 🙂 (U+1F642)")
    assert not out.exists()


def test_ascii_english_stays_pdflatex_and_others_need_xelatex() -> None:
    assert fonts_for("plain \\(x\\)", "en").engine == "pdflatex"
    assert fonts_for("Chloé", "en") == fonts_for("Nguyễn", "en")  # Latin Modern has both
    assert not fonts_for("Nguyễn Đorđević", "en").wide
    assert fonts_for("Иван", "en").wide and not fonts_for("Иван", "en").cjk
    assert fonts_for("王芳", "en").cjk and fonts_for("王芳", "en").engine == "xelatex"
    assert fonts_for("王芳", "zh").engine == "xelatex"
    with pytest.raises(SymbpError, match=r"🙂 \(U\+1F642\)"):
        fonts_for("🙂", "en")


def test_options_are_code_and_hyphens_stay_hyphens() -> None:
    assert latex_math.escape("symbp check-hand --spec spec.toml") == (
        r"symbp check-hand \texttt{-{}-spec} spec.toml"
    )
    assert latex_math.escape("a--b---c") == "a-{}-b-{}-{}-c"
    assert latex_math.escape("Mary-Jane") == "Mary-Jane"
    # a lone Greek letter is a symbol (math); a Greek word is text
    assert latex_math.escape("Why δ") == r"Why \(\delta\)"
    assert latex_math.escape("Σωκράτης") == "Σωκράτης"


def _font_cmap(path: str) -> set[int]:
    from fontTools.ttLib import TTCollection, TTFont

    font = TTCollection(path).fonts[0] if path.endswith(".ttc") else TTFont(path)
    return set(font.getBestCmap())


def _font_file(name: str) -> str:
    """The installed font file of this name, as fontconfig (and so xelatex) finds it."""
    fc_list = require_tool("fc-list")
    listed = subprocess.run([fc_list, ":", "file"], capture_output=True, text=True, check=True)
    for line in listed.stdout.splitlines():
        path = line.strip().rstrip(":")
        if Path(path).name == name:
            return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is required in CI (.ci/setup installs it)")
    pytest.skip(f"{name} is not installed")


@pytest.mark.parametrize(
    ("ranges", "files"),
    [
        (LATIN_MODERN, ["lmroman10-regular.otf", "lmroman10-bold.otf"]),
        (DEJAVU_SERIF, ["DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"]),
        (WENQUANYI, ["wqy-microhei.ttc"]),
    ],
)
def test_the_coverage_tables_are_the_fonts_own(
    ranges: tuple[tuple[int, int], ...], files: list[str]
) -> None:
    require_module("fontTools")
    for file in files:
        path = _font_file(file)
        cmap = _font_cmap(path)
        claimed = {code for low, high in ranges for code in range(low, high + 1)}
        assert claimed <= cmap, sorted(claimed - cmap)[:10]
    assert covers(WENQUANYI, "喆") and covers(CJK_BLOCKS, "喆")
    assert not covers(DEJAVU_SERIF, "🙂")
    # polytonic Greek (issue 24 trial F8): every letter of these names is in DejaVu Serif
    assert all(covers(DEJAVU_SERIF, c) for c in "Ἀθηνᾶ Ὀδυσσεύς ᾨδή".replace(" ", ""))


@pytest.mark.slow
def test_a_chinese_sheet_sets_ideographs_ctex_lacks_and_other_scripts(tmp_path: Path) -> None:
    roster = tmp_path / "class.csv"
    roster.write_text("id,name\na,张喆\nb,Иван Đặng\n", encoding="utf-8")
    out = tmp_path / "week3"
    assert cli.main(["exercise", "--roster", str(roster), "--out", str(out), "--lang", "zh"]) == 0
    for sid, name in (("a", "张喆"), ("b", "Иван Đặng")):
        text = _compile(out / sid / "worksheet.tex", tmp_path / "pdf" / sid)
        assert f"学生：{name}" in text


def test_only_the_runs_latin_modern_lacks_change_font() -> None:
    from symbp.formats.tex_fonts import wide_runs

    assert wide_runs(r"Student: Иван Петров-Đặng, Σωκράτης Π. \section*{Ольга}", r"\w") == (
        r"Student: {\w Иван Петров}-Đặng, {\w Σωκράτης Π}. \section*{{\w Ольга}}"
    )
    assert wide_runs("Nguyễn Đorđević Chloé", r"\w") == "Nguyễn Đorđević Chloé"
