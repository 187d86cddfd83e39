"""Shared fixtures and the rule for tests that need a real tool."""

from __future__ import annotations

import os
import shutil

import pytest

from symbp.graph import Network
from symbp.spec import default_spec

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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many displayed equations the read-back harness checked, per format."""
    from tests.readback.tally import tally

    lines = tally(terminalreporter.config).lines()
    if lines:
        terminalreporter.section("read-back of displayed math")
        for line in lines:
            terminalreporter.write_line(line)
