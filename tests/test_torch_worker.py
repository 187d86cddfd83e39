"""The torch check in a worker process: right numbers, a clear line when it fails, no sympy."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from symbp import cli
from symbp.core.operations import ACTIVATION_NAMES, LOSS_NAMES
from symbp.core.spec import default_spec, load_spec
from symbp.errors import SymbpError
from symbp.torchcheck import worker as torch_worker
from symbp.torchcheck.worker import TorchMissingError, start_torch_check

from .conftest import MOOC_GRADIENTS, MOOC_LOSS, require_module

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_python(code), capture_output=True, text=True, cwd=ROOT)


def test_worker_gives_the_published_numbers() -> None:
    require_module("torch")
    by_torch = start_torch_check(default_spec(), command=torch_worker.worker_command()).result()
    assert by_torch.loss == pytest.approx(MOOC_LOSS, abs=1e-10)
    assert by_torch.gradients == pytest.approx(MOOC_GRADIENTS, abs=1e-10)
    assert by_torch.version[0].isdigit()
    assert type(by_torch.version) is str


@pytest.mark.slow
def test_worker_uses_the_given_parameters_and_dtype() -> None:
    # every weight doubled, in float32: the same as torch in this process with the same input
    require_module("torch")
    from symbp.torchcheck.model import torch_loss_and_gradients

    spec = load_spec(ROOT / "examples" / "mazur_2_2_2.toml")
    doubled = [2 * value for value in spec.parameters]
    command = torch_worker.worker_command()
    by_worker = start_torch_check(spec, "float32", doubled, command=command).result()
    here = torch_loss_and_gradients(spec, "float32", doubled)
    assert by_worker.loss == here.loss
    assert by_worker.gradients == here.gradients
    assert by_worker.gradients != torch_loss_and_gradients(spec, "float32").gradients


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("import os; os.abort()", "the torch check's worker was killed by SIGABRT"),
        (
            "import sys; sys.stderr.write('Illegal instruction in libtorch\\n'); sys.exit(3)",
            "the torch check's worker exited with status 3: Illegal instruction in libtorch",
        ),
        ("print('hello')", "the torch check's worker answered something unreadable"),
        # an answer that would make this process import a class is refused, not unpickled
        (
            "import pickle, sys, fractions; sys.stdout.buffer.write(pickle.dumps("
            "('ok', (fractions.Fraction(1, 3), (), '2'))))",
            "the torch check's worker answered something unreadable",
        ),
        (
            "import pickle, sys; "
            "sys.stdout.buffer.write(pickle.dumps(('error', 'RuntimeError: x')))",
            "the torch check failed: RuntimeError: x",
        ),
    ],
)
def test_a_failing_worker_is_one_error(code: str, message: str) -> None:
    pending = start_torch_check(default_spec(), command=_python(code))
    with pytest.raises(SymbpError) as raised:
        pending.result(timeout=60)
    assert str(raised.value) == message


def test_a_hanging_worker_is_stopped() -> None:
    pending = start_torch_check(default_spec(), command=_python("import time; time.sleep(600)"))
    with pytest.raises(SymbpError, match=r"did not finish within 0.5 s and was stopped"):
        pending.result(timeout=0.5)
    assert pending._process is not None
    assert pending._process.returncode is not None  # killed and reaped, not left running


def test_leaving_the_block_stops_the_worker() -> None:
    with start_torch_check(default_spec(), command=_python("import time; time.sleep(600)")) as p:
        pass
    assert p._process is not None
    assert p._process.returncode is not None


def test_with_torch_imported_already_the_check_runs_here() -> None:
    # a notebook or a test run has paid for import torch: no worker, the same numbers
    require_module("torch")
    pending = start_torch_check(default_spec())
    assert pending._process is None
    assert pending.result().gradients == pytest.approx(MOOC_GRADIENTS, abs=1e-10)


@pytest.mark.slow
def test_the_worker_reads_the_spec_it_was_sent() -> None:
    # the worker's own command, fed by hand: what it answers is plain data about this spec
    require_module("torch")
    job = pickle.dumps((default_spec(), "float64", None, True))  # spec, dtype, at, units
    completed = subprocess.run(
        torch_worker.worker_command(), input=job, capture_output=True, cwd=ROOT, check=True
    )
    status, (loss, gradients, _, units) = pickle.loads(completed.stdout)
    assert status == "ok"
    assert loss == pytest.approx(MOOC_LOSS, abs=1e-10)
    assert gradients == pytest.approx(MOOC_GRADIENTS, abs=1e-10)
    # asked for units: ∂L/∂h1 = δ_o1·w5 + δ_o2·w6, the sum the seed's sign question turns on
    # (0.0616 × 0.1 + 0.1492 × (−0.5) ≈ −0.0684)
    assert units["h1"] == pytest.approx((-0.0684300229,), abs=1e-10)
    assert set(units) == {"x1", "x2", "h1", "h2", "o1", "o2"}


def test_cli_reports_a_crashed_worker_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(torch_worker, "torch_installed", lambda: True)
    monkeypatch.setattr(torch_worker, "torch_imported", lambda: False)
    monkeypatch.setattr(torch_worker, "worker_command", lambda: _python("import os; os.abort()"))
    for args in (["derive", "--weight", "w1"], ["check"]):
        assert cli.main(args) == cli.EXIT_BAD_INPUT
        err = capsys.readouterr().err
        assert err == "symbp: error: the torch check's worker was killed by SIGABRT\n"


def test_derive_without_torch_checks_by_finite_differences(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(torch_worker, "torch_installed", lambda: False)
    assert cli.main(["derive", "--weight", "w1"]) == cli.EXIT_OK
    out, err = capsys.readouterr()
    assert "  ∂L/∂w1 = -0.0084214805" in out
    assert "torch autograd" not in out
    lines = err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "symbp: torch is not installed: checked by central finite differences only, which agree"
    )
    assert lines[0].endswith(torch_worker.INSTALL_HINT)


def test_derive_without_torch_skips_fixed_biases(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # fixed biases are not parameters: nothing to difference, and no KeyError
    spec = tmp_path / "fixed.toml"
    spec.write_text(
        "layers = [2, 2, 2]\ninputs = [0.5, 0.3]\ntargets = [0.23, -0.07]\n"
        "weights = [0.2, -0.4, 0.5, 0.6, 0.1, -0.5, -0.3, 0.8]\n"
        'bias = "per-layer"\nbias_values = [0.35, 0.6]\nbias_trainable = false\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(torch_worker, "torch_installed", lambda: False)
    assert cli.main(["derive", "--all", "--spec", str(spec)]) == cli.EXIT_OK
    assert "finite differences only, which agree" in capsys.readouterr().err
    assert cli.main(["derive", "--weight", "b1", "--spec", str(spec)]) == cli.EXIT_OK
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("args", [["check"], ["handout", "-o", "handout.html"]])
def test_commands_that_need_torch_say_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    args: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(torch_worker, "torch_installed", lambda: False)
    assert cli.main(args) == cli.EXIT_BAD_INPUT
    assert capsys.readouterr().err == f"symbp: error: {TorchMissingError().command_line}\n"
    assert torch_worker.INSTALL_HINT in str(TorchMissingError())
    assert not (tmp_path / "handout.html").exists()


def test_without_torch_in_a_real_process() -> None:
    # torch made unimportable the way a missing package is: find_spec finds nothing
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from symbp.cli import main\n"
        "raise SystemExit(main(['derive', '--weight', 'w5']))\n"
    )
    result = _run_python(code)
    assert result.returncode == 0, result.stderr
    assert "  ∂L/∂w5 = 0.0346329893" in result.stdout
    assert result.stderr.count("\n") == 1
    assert "finite differences only, which agree" in result.stderr


def test_the_main_process_leaves_torch_to_the_worker() -> None:
    # the check runs, but torch is imported only in the worker, which starts before sympy
    require_module("torch")
    code = (
        "import sys, io, contextlib\n"
        "import symbp.torchcheck.worker as worker\n"
        "started = worker.start_torch_check\n"
        "def spy(*args, **kwargs):\n"
        "    assert 'sympy' not in sys.modules, 'sympy was imported before the worker started'\n"
        "    return started(*args, **kwargs)\n"
        "worker.start_torch_check = spy\n"
        "from symbp.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    status = main(['derive', '--weight', 'w1'])\n"
        "assert status == 0, status\n"
        "assert 'Check: torch autograd (float64) gives -0.0084214805' in out.getvalue()\n"
        "assert 'torch' not in sys.modules, 'the main process imported torch'\n"
    )
    result = _run_python(code)
    assert result.returncode == 0, result.stderr


def test_a_units_check_is_the_workers_too() -> None:
    # derive --wrt: every unit's ∂L/∂a comes from the worker as well, and the main process
    # never imports torch; Mazur's published ∂E_total/∂out_h1 = 0.036350306 is what it checks
    require_module("torch")
    code = (
        "import sys, io, contextlib\n"
        "from symbp.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    status = main(['derive', '--wrt', 'h1', '--spec', 'examples/mazur_2_2_2.toml'])\n"
        "assert status == 0, status\n"
        "assert 'Check: torch autograd gives 0.0363503064' in out.getvalue(), out.getvalue()\n"
        "assert 'torch' not in sys.modules, 'the main process imported torch'\n"
    )
    result = _run_python(code)
    assert result.returncode == 0, result.stderr


def test_reading_a_spec_does_not_import_sympy() -> None:
    code = (
        "import sys, symbp, symbp.torchcheck.worker, symbp.torchcheck.check\n"
        "from symbp.core.spec import load_spec\n"
        "load_spec('examples/mazur_2_2_2.toml')\n"
        "assert 'sympy' not in sys.modules, 'sympy was imported'\n"
    )
    result = _run_python(code)
    assert result.returncode == 0, result.stderr


def test_spec_names_are_the_defined_functions() -> None:
    from symbp.core.functions import ACTIVATIONS, LOSSES

    assert tuple(ACTIVATIONS) == ACTIVATION_NAMES
    assert tuple(LOSSES) == LOSS_NAMES


def test_public_names_load_on_first_use() -> None:
    code = (
        "import sys, symbp\n"
        "assert 'sympy' not in sys.modules\n"
        "import symbp.core.derive\n"
        "assert callable(symbp.derive) and symbp.derive.__module__ == 'symbp.core.derive'\n"
        "assert set(symbp.__all__) <= set(dir(symbp))\n"
        "for name in symbp.__all__:\n"
        "    getattr(symbp, name)\n"
        "try:\n"
        "    symbp.no_such_name\n"
        "except AttributeError:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('no AttributeError')\n"
    )
    result = _run_python(code)
    assert result.returncode == 0, result.stderr
