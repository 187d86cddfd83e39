"""Shared fixtures and the rule for tests that need a real tool."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from typing import Any

import pytest

from symbp.core.graph import Network
from symbp.core.spec import default_spec

#: The MOOC 8.3 example worked independently (numpy, by hand in the blog's own script): L and
#: ∂L/∂w1..w8. These are the published reference numbers of the core issue.
MOOC_LOSS = 0.2097097937
MOOC_GRADIENTS = (
    -0.0084214805,
    0.0126066531,
    -0.0050528883,
    0.0075639918,
    0.0346329893,
    0.0838660995,
    0.0304945786,
    0.0738446612,
)
MOOC_WEIGHTS = (0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Run the tests on every core when pytest-xdist is installed and -n was not given.

    This is `-n auto` in pyproject's addopts, except that a Python without pytest-xdist still
    runs the suite (in one process) instead of rejecting the option; `-n 0` runs one process.
    """
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # a worker runs its share itself (it is told -n nothing, not -n 0)
    if config.pluginmanager.hasplugin("xdist") and config.getoption("numprocesses") is None:
        config.option.numprocesses = "auto"


def require_tool(name: str) -> str:
    """The path of a real external tool; skip without it, but fail in CI (CI=true)."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is required in CI but is not installed")
        pytest.skip(f"{name} is not installed")
    return path


def require_module(name: str) -> None:
    """Import a module a test needs; skip without it, but fail in CI (CI=true)."""
    try:
        __import__(name)
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the Python module {name} is required in CI but is not installed")
        pytest.skip(f"{name} is not installed")


@pytest.fixture
def mooc() -> Network:
    return Network(default_spec())


#: figures tests report (the hand corpus's accuracy, the fuzzer's counts), printed at the end
SUMMARY = pytest.StashKey[list[str]]()


def summary_lines(config: pytest.Config) -> list[str]:
    if SUMMARY not in config.stash:
        config.stash[SUMMARY] = []
    return config.stash[SUMMARY]


@pytest.fixture
def report_figure(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Adds a line to the figures printed at the end of the run (with or without xdist)."""
    return summary_lines(request.config).append


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker: hand the figures and the read-back counts to the controller."""
    from tests.readback.tally import tally

    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["symbp_figures"] = summary_lines(session.config)
        workeroutput["symbp_readback"] = tally(session.config).as_data()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """In the pytest-xdist controller: collect what a worker reported."""
    from tests.readback.tally import tally

    output = getattr(node, "workeroutput", {})
    summary_lines(node.config).extend(output.get("symbp_figures", []))
    tally(node.config).merge_data(output.get("symbp_readback"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The figures tests reported, and how many displayed equations were read back."""
    from tests.readback.tally import tally

    config = terminalreporter.config
    if getattr(config, "workeroutput", None) is not None:
        return
    figures = summary_lines(config)
    if figures:
        terminalreporter.section("figures")
        for line in figures:
            terminalreporter.write_line(line)
    lines = tally(config).lines()
    if lines:
        terminalreporter.section("read-back of displayed math")
        for line in lines:
            terminalreporter.write_line(line)
