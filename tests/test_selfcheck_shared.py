"""The three self-check pages' scripts share one source for what they do alike, written into
each page's script by symbp/formats/selfcheck.py where the page marks it: reading a typed
number and float64 evaluation (symbp/data/selfcheck_shared.js, every page), opening the sealed
catalogue (selfcheck_sealed.js, every page) and working the graph from the givens to open it
(selfcheck_graph.js, the circuit and convolution pages). No function of a shared part is written
again in a page's own file, and each assembled script defines each function once."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from symbp.formats.selfcheck import SHARED_PARTS, script

DATA = resources.files("symbp").joinpath("data")
PAGES = ("selfcheck.js", "circuit_selfcheck.js", "conv_selfcheck.js")
#: a definition in the page's closure (indented once): a function, a class or a constant
DEFINITION = re.compile(
    r"^  (?:async )?(?:function|class)\s+(\w+)|^  (?:const|let)\s+(\w+)\s*=", re.M
)


def _defined(code: str) -> list[str]:
    return [a or b for a, b in DEFINITION.findall(code)]


def _part(name: str) -> set[str]:
    return set(_defined(DATA.joinpath(name).read_text(encoding="utf-8")))


def _marks(page: str, part: str) -> bool:
    says = dict(SHARED_PARTS)[f"data/{part}"]
    return f"  // symbp: {says}\n" in DATA.joinpath(page).read_text(encoding="utf-8")


def test_the_shared_parts_are_written_once() -> None:
    shared = _part("selfcheck_shared.js")
    assert {
        "readCell",
        "readNumber",
        "fsum",
        "sum",
        "power",
        "logsumexp",
        "evaluate",
        "num",
    } <= shared
    sealed = _part("selfcheck_sealed.js")
    assert {"canonical", "unseal", "MARKER"} <= sealed
    graph = _part("selfcheck_graph.js")
    assert {"chainValues", "openCatalogue", "catalogue"} <= graph
    assert shared & sealed == shared & graph == sealed & graph == set()
    for page in PAGES:
        own = set(_defined(DATA.joinpath(page).read_text(encoding="utf-8")))
        assert own & (shared | sealed) == set(), page
        assert _marks(page, "selfcheck_shared.js") and _marks(page, "selfcheck_sealed.js"), page
        if _marks(page, "selfcheck_graph.js"):
            assert own & graph == set(), page
    # the networks' page works its own local formulas (not a graph of nodes) to open the seal
    assert [p for p in PAGES if _marks(p, "selfcheck_graph.js")] == list(PAGES[1:])


@pytest.mark.parametrize("source", [f"data/{page}" for page in PAGES])
def test_each_page_gets_the_shared_parts_once(source: str) -> None:
    code = script(source)
    names = _defined(code)
    for name in ("readCell", "evaluate", "logsumexp", "canonical", "unseal", "openCatalogue"):
        assert names.count(name) == 1, name
    repeated = sorted({n for n in names if names.count(n) > 1})
    assert repeated == []
    assert "// symbp: shared (" not in code and "new Set([])" not in code  # every marker filled
    assert "// symbp: sealed (" not in code and "// symbp: graph (" not in code
    assert "eval(" not in code and "Function(" not in code


def test_a_page_without_the_shared_part_is_refused() -> None:
    with pytest.raises(AssertionError, match="no place for the shared part"):
        script("data/selfcheck_sealed.js")
