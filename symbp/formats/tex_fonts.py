"""Which TeX engine and fonts a .tex file needs for the characters it holds, or a refusal.

pdflatex sets ASCII only in symbp's documents (its default fonts have no Cyrillic, CJK or
Vietnamese); every other character is set by xelatex in a font whose coverage is listed below,
and a character no listed font has is refused before anything is written, never dropped. The
xelatex preambles also set \\tracinglostchars=3, so a glyph missing on the compiling machine is
an error there rather than a silently empty place in the PDF.

The ranges are the fonts' own character maps (regular and bold both), restricted to the blocks
names come from; tests/test_tex_scripts.py reads them back from the installed fonts.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from symbp.errors import SymbpError

#: Latin Modern Roman (fontspec's default under xelatex): Latin, Vietnamese
LATIN_MODERN = (
    (160, 311), (313, 328), (330, 357), (360, 383), (398, 398), (402, 402), (416, 417),
    (431, 432), (461, 468), (471, 477), (486, 487), (490, 491), (496, 496), (500, 501),
    (506, 513), (516, 517), (520, 521), (524, 525), (528, 529), (532, 533), (536, 539),
    (567, 567), (913, 929), (931, 937), (7692, 7695), (7716, 7719), (7722, 7723), (7726, 7727),
    (7734, 7737), (7746, 7751), (7768, 7773), (7778, 7779), (7788, 7791), (7808, 7813),
    (7826, 7827), (7831, 7831), (7840, 7929), (8208, 8209), (8211, 8212), (8214, 8214),
    (8216, 8218), (8220, 8222), (8224, 8226), (8230, 8230),
)  # fmt: skip
#: DejaVu Serif (fonts-dejavu-core): Latin, Vietnamese, Greek with polytonic Greek (Greek
#: Extended, U+1F00-1FFF, as `fc-query` lists DejaVuSerif.ttf's charset), Cyrillic
DEJAVU_SERIF = (
    (160, 591), (880, 887), (890, 895), (900, 906), (908, 908), (910, 929), (931, 993),
    (1008, 1119), (1122, 1125), (1130, 1133), (1136, 1143), (1164, 1165), (1168, 1179),
    (1182, 1191), (1194, 1207), (1210, 1211), (1216, 1220), (1223, 1224), (1227, 1228),
    (1231, 1273), (1296, 1301), (1306, 1309), (7680, 7931),
    (0x1F00, 0x1F15), (0x1F18, 0x1F1D), (0x1F20, 0x1F45), (0x1F48, 0x1F4D), (0x1F50, 0x1F57),
    (0x1F59, 0x1F59), (0x1F5B, 0x1F5B), (0x1F5D, 0x1F5D), (0x1F5F, 0x1F7D), (0x1F80, 0x1FB4),
    (0x1FB6, 0x1FC4), (0x1FC6, 0x1FD3), (0x1FD6, 0x1FDB), (0x1FDD, 0x1FEF), (0x1FF2, 0x1FF4),
    (0x1FF6, 0x1FFE), (8208, 8230),
)  # fmt: skip
#: WenQuanYi Micro Hei (fonts-wqy-microhei): Chinese, Japanese kana, Korean Hangul, CJK
#: punctuation and full-width forms
WENQUANYI = (
    (12288, 12291), (12293, 12311), (12317, 12319), (12321, 12329), (12353, 12436),
    (12441, 12446), (12449, 12534), (12539, 12542), (12593, 12686), (19968, 40899),
    (44032, 55203), (65281, 65374), (65377, 65439), (65504, 65510),
)  # fmt: skip
#: the blocks xeCJK sets in its CJK font (the rest is set in the main font)
CJK_BLOCKS = (
    (0x2E80, 0x2FFF), (0x3000, 0x303F), (0x3040, 0x30FF), (0x3100, 0x318F),
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF),
)  # fmt: skip

CJK_FONT = "WenQuanYi Micro Hei"
WIDE_FONT = "DejaVu Serif"


def covers(ranges: tuple[tuple[int, int], ...], char: str) -> bool:
    """Whether a font with these character ranges has `char`."""
    code = ord(char)
    index = bisect_right(ranges, (code, 0x10FFFF)) - 1
    return index >= 0 and ranges[index][0] <= code <= ranges[index][1]


def is_cjk(char: str) -> bool:
    return covers(CJK_BLOCKS, char)


@dataclass(frozen=True)
class Fonts:
    """What a document's characters need: the engine, whether CJK text occurs, and whether
    some characters need the wide font (Latin Modern lacks them)."""

    engine: str  # "pdflatex" or "xelatex"
    cjk: bool = False
    wide: bool = False


def fonts_for(source: str, lang: str) -> Fonts:
    """The engine and fonts for a document's LaTeX source; a SymbpError naming the first
    character no font of symbp's .tex files has (an emoji, Arabic, Devanagari …)."""
    others = sorted({char for char in source if ord(char) > 0x7E})
    if lang != "zh" and not others:
        return Fonts("pdflatex")
    missing = [
        char
        for char in others
        if not (covers(WENQUANYI, char) if is_cjk(char) else covers(DEJAVU_SERIF, char))
    ]
    if missing:
        shown = ", ".join(f"{char} (U+{ord(char):04X})" for char in missing[:5])
        raise SymbpError(
            f"the .tex cannot typeset {shown}: no font it uses (Latin Modern, {WIDE_FONT}, "
            f"{CJK_FONT}) has it; leave it out of the title and names, or write .html or .md"
        )
    wide = any(needs_wide(char) for char in others)
    return Fonts("xelatex", cjk=any(is_cjk(char) for char in others), wide=wide)


def needs_wide(char: str) -> bool:
    """Whether `char` is set in the wide font: what Latin Modern lacks (Cyrillic, most Greek),
    and every Greek letter, so that a Greek word is set in one font."""
    if ord(char) <= 0x7E or is_cjk(char):
        return False
    greek = "\u0370" <= char <= "\u03ff" or "\u1f00" <= char <= "\u1fff"
    return greek or not covers(LATIN_MODERN, char)


#: what may sit between two letters of one name in the wide font and stay in that run
_JOINERS = " -'’.,"


def wide_runs(source: str, command: str) -> str:
    """`source` with each run of characters Latin Modern lacks (a Cyrillic or Greek name, with
    the spaces and hyphens inside it) set in the wide font: {\\command Иван Петров}. The rest of
    the document keeps Latin Modern, so a class's sheets look alike whatever the names."""
    pieces: list[str] = []
    index, length = 0, len(source)
    while index < length:
        if not needs_wide(source[index]):
            pieces.append(source[index])
            index += 1
            continue
        end = index + 1
        while end < length and (
            needs_wide(source[end])
            or (source[end] in _JOINERS and end + 1 < length and needs_wide(source[end + 1]))
        ):
            end += 1
        pieces.append("{" + command + " " + source[index:end] + "}")
        index = end
    return "".join(pieces)


def tex_engine(source: str) -> str:
    """The engine a .tex file of symbp's names on its first line."""
    first = source.split("\n", 1)[0]
    return "xelatex" if "xelatex" in first else "pdflatex"
