"""The two self-check pages' scripts share one source for what they do alike (reading a typed
number, float64 evaluation): symbp/data/selfcheck_shared.js, written into each page's script
by symbp/formats/selfcheck.py. No function of it is written again in either page's own file,
and each assembled script defines each function once."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from symbp.formats.selfcheck import script

DATA = resources.files("symbp").joinpath("data")
#: a definition in the page's closure (indented once): a function, a class or a constant
DEFINITION = re.compile(r"^  (?:async )?(?:function|class)\s+(\w+)|^  const\s+(\w+)\s*=", re.M)


def _defined(code: str) -> list[str]:
    return [a or b for a, b in DEFINITION.findall(code)]


def test_the_shared_part_is_written_once() -> None:
    shared = set(_defined(DATA.joinpath("selfcheck_shared.js").read_text(encoding="utf-8")))
    assert {"readCell", "readNumber", "fsum", "sum", "power", "evaluate", "num"} <= shared
    for page in ("selfcheck.js", "circuit_selfcheck.js"):
        own = set(_defined(DATA.joinpath(page).read_text(encoding="utf-8")))
        assert own & shared == set(), page


@pytest.mark.parametrize("source", ["data/selfcheck.js", "data/circuit_selfcheck.js"])
def test_each_page_gets_the_shared_part_once(source: str) -> None:
    code = script(source)
    names = _defined(code)
    assert "readCell" in names and "evaluate" in names
    repeated = sorted({n for n in names if names.count(n) > 1})
    assert repeated == []
    assert "// symbp: shared (" not in code and "new Set([])" not in code  # every marker filled
    assert "eval(" not in code and "Function(" not in code
