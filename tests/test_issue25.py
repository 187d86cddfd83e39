"""The reproducers of issue 25 (the third round of attacks), each now a clean result or one
line with exit status 2: devices and FIFOs as outputs, CSV formula injection, the objective
"output" on two outputs, samples × parameters, NFD ids, Adam's weight-decay LaTeX, tampered
manifests, atomic plot and Moodle writes, learning rates, escaped paths, exit statuses, the
API's arguments, duplicate JSON keys, TOML errors and reserved ids."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from symbp.cli import main
from symbp.errors import SymbpError
from symbp.files import write_atomic

from .conftest import require_module, require_tool
from .hostile import GOOD_SPEC

ROOT = Path(__file__).resolve().parent.parent


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def refused(*argv: str, match: str = "") -> str:
    """The one error line of a command that must refuse its input with exit status 2."""
    status, _, err = cli(*argv)
    assert status == 2, err
    assert err.startswith("symbp: error: ") and err.count("\n") == 1, err
    assert match in err, err
    return err


def spec_file(directory: Path, **changes: Any) -> Path:
    path = directory / "spec.json"
    path.write_text(json.dumps({**GOOD_SPEC, **changes}, ensure_ascii=False), encoding="utf-8")
    return path


# -- 1. outputs that are devices or FIFOs ---------------------------------------------------------


def test_dev_null_as_output_stays_a_device(tmp_path: Path) -> None:
    status, _, err = cli("export", "--torch", "-o", "/dev/null")
    assert status == 0, err
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert not list(Path("/dev").glob(".null.symbp-*"))


def test_a_fifo_with_a_reader_receives_the_output_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    for _ in range(200):  # until the thread has opened its end (no reader: refused at once)
        try:
            write_atomic(fifo, "import torch\n")
            break
        except SymbpError as error:
            assert "no process reads it" in str(error)
            time.sleep(0.05)
    reader.join(10)
    assert received == [b"import torch\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_fifo_nobody_reads_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    refused("export", "--torch", "-o", str(fifo), match="no process reads it")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_character_device_of_our_own_is_written_not_replaced(tmp_path: Path) -> None:
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a second /dev/null
    except PermissionError:
        pytest.skip("making a device needs root")
    write_atomic(device, "text")
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_dev_stdout_into_a_pipe_carries_the_output() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "symbp", "export", "--torch", "-o", "/dev/stdout"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "import torch" in result.stdout


def test_a_folder_as_output_is_refused(tmp_path: Path) -> None:
    refused("export", "--torch", "-o", str(tmp_path), match="it is a folder")


# -- 2. CSV formula injection ---------------------------------------------------------------------

INJECTIONS = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-1+1"]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("@SUM(1)", "'@SUM(1)"),
        ("-1+1", "'-1+1"),
        ("\tname", "'\tname"),
        ("\rname", "'\rname"),
        ("-0.0123", "-0.0123"),  # a plain number is no formula: it stays a number
        ("+1e-05", "+1e-05"),
        ("Ada", "Ada"),
    ],
)
def test_spreadsheet_cells_follow_owasps_rule(cell: str, written: str) -> None:
    from symbp.formats.csv import csv_text, spreadsheet_cell

    assert spreadsheet_cell(cell) == written
    assert _cells(csv_text([[cell]])) == [written]


def test_grades_csv_neutralises_names_from_the_class_files(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    rows = ["id,name"] + [
        f's{i},"{n.replace(chr(34), 2 * chr(34))}"' for i, n in enumerate(INJECTIONS)
    ]
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
    status, _, err = cli("exercise", "--roster", str(roster), "--out", str(tmp_path / "w"))
    assert status == 0, err
    key = (tmp_path / "w" / "key.csv").read_text(encoding="utf-8")
    status, out, err = cli(
        "grade",
        str(tmp_path / "w" / "key.csv"),
        "--exercises",
        str(tmp_path / "w"),
        "--format",
        "csv",
    )
    assert status == 0, err
    names = [row[1] for row in csv.reader(io.StringIO(out))][1:]
    assert names == ["'" + n for n in INJECTIONS]
    for text in (key, out):  # the numbers, negative ones too, stay numbers
        for cell in _cells(text):
            assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell.startswith("'")
            if cell.startswith("-"):
                float(cell)


# -- 3. loss = "output" on two outputs ------------------------------------------------------------


def test_the_objective_on_one_of_two_outputs_derives_every_weight(tmp_path: Path) -> None:
    spec = tmp_path / "out2.toml"
    spec.write_text(
        'layers = [2, 2, 2]\nloss = "output"\noutput = "o1"\ninputs = [0.5, 0.3]\n'
        "weights = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]\n",
        encoding="utf-8",
    )
    status, out, err = cli("derive", "--spec", str(spec), "--weight", "w8", "--no-check")
    assert status == 0, err
    # w8 feeds o2, which the objective o1 does not read: ∂o1/∂w8 = 0 (worked by hand)
    assert "∂o1/∂w8 = 0" in out and "too many paths" not in out
    status, out, err = cli("derive", "--spec", str(spec), "--all", "--no-check")
    assert status == 0, err
    status, _, err = cli("handout", "--spec", str(spec), "-o", str(tmp_path / "h.md"))
    assert status in (0, 1), err


# -- 4. samples × parameters ----------------------------------------------------------------------


def test_samples_times_parameters_is_bounded_before_any_work(tmp_path: Path) -> None:
    samples = 10_000
    spec = tmp_path / "big.json"
    document = {
        "layers": [2, 128, 128, 2],
        "inputs": [[0.5, 0.3]] * samples,
        "targets": [[0.1, 0.9]] * samples,
        "weights": {"random": "uniform", "seed": 1},
    }
    spec.write_text(json.dumps(document), encoding="utf-8")
    for command in ("step", "check"):
        refused(command, "--spec", str(spec), match="this network takes at most 11 samples")


# -- 5. NFD ids -----------------------------------------------------------------------------------


def test_an_id_saved_in_nfd_grades_like_the_same_id_in_nfc(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "José")
    roster = tmp_path / "roster.csv"
    roster.write_text(f"id,name\n{nfd},{nfd}\nanna,Anna\n", encoding="utf-8")
    folder = tmp_path / "week"
    assert cli("exercise", "--roster", str(roster), "--out", str(folder))[0] == 0
    assert (folder / unicodedata.normalize("NFC", "José")).is_dir()
    key = (folder / "key.csv").read_text(encoding="utf-8")
    submissions = tmp_path / "subs.csv"
    submissions.write_text(key.replace(unicodedata.normalize("NFC", "José"), nfd), "utf-8")
    status, out, err = cli("grade", str(submissions), "--exercises", str(folder))
    assert status == 0, err
    assert "All right." in out


# -- 6. Adam with weight decay in LaTeX -----------------------------------------------------------


def test_adam_weight_decay_step_and_handout_compile_with_pdflatex(tmp_path: Path) -> None:
    pdflatex = require_tool("pdflatex")
    require_module("torch")
    adam = (ROOT / "examples" / "adam.toml").read_text(encoding="utf-8")
    spec = tmp_path / "adamwd.toml"
    spec.write_text(adam.replace("eps = 1e-8 }", "eps = 1e-8, weight_decay = 0.01 }"), "utf-8")
    status, step, err = cli("step", "--spec", str(spec), "--format", "latex")
    assert status == 0, err
    (tmp_path / "step.tex").write_text(step, encoding="utf-8")
    assert cli("handout", "--spec", str(spec), "-o", str(tmp_path / "h.tex"))[0] == 0
    for name in ("step.tex", "h.tex"):
        result = subprocess.run(
            [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        log = (tmp_path / name.replace(".tex", ".log")).read_text("utf-8", errors="replace")
        assert result.returncode == 0 and "Double superscript" not in log, log[-1500:]


def test_an_accented_name_with_a_superscript_is_bracketed_when_squared() -> None:
    from symbp.content import expr as E
    from symbp.formats.latex_math import LatexPrinter

    g = E.Sym(E.Name("g̃", "w_{1}", sup="(1)", plain="g"))
    h = E.Sym(E.Name("h", "1", sup="(1)", plain="h"))
    printer = LatexPrinter()
    assert printer.math(E.Pow(g, E.Num(2.0, "2"))) == r"\left(\tilde{g}^{(1)}_{w_{1}}\right)^{2}"
    assert printer.math(E.Pow(h, E.Num(2.0, "2"))) == "{h^{(1)}_{1}}^{2}"


# -- 8. tampered manifests, CSVs of separators, long names, $ in a plot title --------------------


@pytest.fixture(scope="module")
def exercise_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("class") / "week"
    assert cli("exercise", "--count", "2", "--seed", "3", "--out", str(folder))[0] == 0
    return folder


@pytest.mark.parametrize(
    ("name", "edit", "match"),
    [
        ("unknown asked", lambda d: d["asked"].append("zzz"), "asks for 'zzz'"),
        ("alias asked", lambda d: d["asked"].__setitem__(0, "∂L/∂w1"), "asks for '∂L/∂w1'"),
        ("seed 1e400", lambda d: "SEED", "seed must be a whole number"),
        ("decimals Infinity", lambda d: "INF", "Infinity is not a number"),
        ("deep", lambda d: "[" * 100_000 + "]" * 100_000, "nest more than"),
        ("duplicate", lambda d: "DUP", "written twice"),
        ("students", lambda d: d.__setitem__("students", "s001"), "students must be a list"),
        ("lang", lambda d: d.__setitem__("lang", ["en"]), "lang must be a language code"),
        ("range", lambda d: d["ranges"].__setitem__("inputs", [1, -1]), "ranges.inputs"),
    ],
)
def test_a_tampered_manifest_is_refused_with_one_line(
    exercise_folder: Path, tmp_path: Path, name: str, edit: Any, match: str
) -> None:
    folder = tmp_path / "week"
    shutil.copytree(exercise_folder, folder)
    text = (folder / "exercise.json").read_text(encoding="utf-8")
    document = json.loads(text)
    result = edit(document)
    if result == "SEED":
        text = re.sub(r'"seed": \d+', '"seed": 1e400', text)
    elif result == "INF":
        text = re.sub(r'"decimals": \d+', '"decimals": Infinity', text)
    elif result == "DUP":
        text = text.rstrip().rstrip("}") + ', "seed": 4}'
    elif isinstance(result, str):
        text = result
    else:
        text = json.dumps(document)
    (folder / "exercise.json").write_text(text, encoding="utf-8")
    refused("grade", str(folder / "key.csv"), "--exercises", str(folder), match=match)


def test_a_csv_of_separators_only_is_refused(exercise_folder: Path, tmp_path: Path) -> None:
    separators = tmp_path / "sep.csv"
    separators.write_text(",,,\n,,,\n", encoding="utf-8")
    refused("grade", str(separators), "--exercises", str(exercise_folder), match="only empty")
    refused(
        "exercise", "--roster", str(separators), "--out", str(tmp_path / "w"), match="only empty"
    )


def test_output_names_over_255_bytes_are_refused(exercise_folder: Path, tmp_path: Path) -> None:
    long = tmp_path / ("n" * 300)
    key = str(exercise_folder / "key.csv")
    spec = str(spec_file(tmp_path))
    for argv in (
        ["handout", "--spec", spec, "-o", f"{long}.html"],
        ["export", "--torch", "-o", str(long)],
        ["exercise", "--count", "1", "--out", str(long)],
        ["grade", key, "--exercises", str(exercise_folder), "--reports", str(long)],
        ["grade", key, "--exercises", str(exercise_folder), "-o", str(long)],
    ):
        refused(*argv, match="longer than 255 bytes")


def test_a_dollar_in_a_plotted_title_is_text(tmp_path: Path) -> None:
    require_module("matplotlib")
    spec = spec_file(tmp_path, title="costs $5 and $x")
    status, _, err = cli(
        "train", "--spec", str(spec), "--steps", "2", "--plot", str(tmp_path / "p.svg")
    )
    assert status == 0, err
    assert (tmp_path / "p.svg").read_bytes().startswith(b"<?xml")


# -- 9. atomic plot and Moodle writes, stale temporary folders ----------------------------------


def test_a_plot_is_written_atomically_to_a_device(tmp_path: Path) -> None:
    require_module("matplotlib")
    status, _, err = cli("train", "--steps", "2", "--plot", "/dev/null")
    assert status == 2 and ".png or .svg" in err  # the suffix decides the picture's format
    link = tmp_path / "plot.svg"
    link.symlink_to("/dev/null")
    assert cli("train", "--steps", "2", "--plot", str(link))[0] == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and link.is_symlink()


def test_a_failing_moodle_write_leaves_the_earlier_folder(tmp_path: Path) -> None:
    folder = tmp_path / "week"
    assert cli("exercise", "--count", "1", "--seed", "1", "--out", str(folder))[0] == 0
    before = (folder / "key.csv").read_text(encoding="utf-8")
    refused(
        "exercise",
        "--count",
        "1",
        "--seed",
        "2",
        "--out",
        str(folder),
        "--moodle",
        str(tmp_path / "missing" / "quiz.xml"),
    )
    assert (folder / "key.csv").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["week"]


def test_a_killed_exercise_leaves_temporary_folders_that_the_next_run_removes(
    tmp_path: Path,
) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a process id that no longer runs
    stale = tmp_path / f".week.symbp-{dead.pid}-0badcafe.tmp"
    (stale / "s001").mkdir(parents=True)
    old = tmp_path / f".week.symbp-old-{dead.pid}-0badcafe"
    old.mkdir()
    assert cli("exercise", "--count", "1", "--out", str(tmp_path / "week"))[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["week"]


# -- 10. learning rates and eps -------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["step", "--lr", "-1"],
        ["step", "--lr", "0"],
        ["train", "--lr", "-1"],
        ["train", "--lr", "0"],
    ],
)
def test_non_positive_learning_rates_are_refused(argv: list[str]) -> None:
    refused(*argv, match="must be positive")


def test_adam_with_eps_zero_and_a_zero_gradient_is_refused_not_nan(tmp_path: Path) -> None:
    # relu: h1 is dead (z_h1 = -0.5·0.5 - 0.2·0.3 < 0), so w1's gradient is exactly 0 and
    # Adam's update is 0/0 with eps = 0
    spec = tmp_path / "eps0.toml"
    spec.write_text(
        'layers = [2, 2, 1]\nactivation = ["relu", "identity"]\n'
        'optimizer = { name = "adam", eps = 0 }\ninputs = [0.5, 0.3]\ntargets = [1.0]\n'
        "weights = [-0.5, 0.4, -0.2, 0.3, 0.7, 0.8]\n",
        encoding="utf-8",
    )
    refused("step", "--spec", str(spec), match="0/0")
    refused("train", "--spec", str(spec), "--steps", "2", match="0/0")


def test_numpy_warnings_do_not_reach_stderr(tmp_path: Path) -> None:
    spec = spec_file(tmp_path, weights=[1e6, -1e6, 1e6, 1e6, 1e6, -1e6, 1e6, 1e6])
    status, _, err = cli("train", "--spec", str(spec), "--lr", "1e6", "--steps", "50")
    assert "RuntimeWarning" not in err
    assert status == 0 or err.count("\n") == 1


# -- 11. escaped paths, exit status from what is shown --------------------------------------------


def test_a_path_with_a_newline_and_esc_is_escaped_in_the_error(tmp_path: Path) -> None:
    spec = tmp_path / "a\nb\x1b[31mred.toml"
    spec.write_text("layers = [", encoding="utf-8")
    err = refused("check", "--spec", str(spec))
    assert "\x1b" not in err and "\\x1b[31m" in err and "a\\nb" in err


def test_derive_wrt_exits_by_what_it_shows(tmp_path: Path) -> None:
    require_module("torch")
    # b_h1 = -0.1 with w3·x2 = 0.4·0.25: z_h1 = 0, leaky relu's kink, where finite
    # differences of ∂L/∂b_h1 straddle two slopes; x1 does not reach h1 (w1 = 0)
    spec = tmp_path / "kink.toml"
    spec.write_text(
        'layers = [2, 2, 1]\nactivation = ["leaky_relu", "identity"]\nbias = "per-unit"\n'
        "bias_values = [-0.1, 0.0, 0.1]\ninputs = [0.5, 0.25]\ntargets = [1.0]\n"
        "weights = [0.0, 0.4, 0.4, 0.2, 0.3, -0.6]\n",
        encoding="utf-8",
    )
    status, out, err = cli("derive", "--spec", str(spec), "--wrt", "x1")
    assert "agrees" in out and "DISAGREES" not in out
    assert status == 0, err
    status, out, _ = cli("derive", "--spec", str(spec), "--weight", "b_h1")
    assert ("DISAGREES" in out) == (status == 1)


# -- 12. the Python API ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda s: s.problem().check("float16"), SymbpError, "unknown dtype"),
        (lambda s: s.problem().handout(title=123, check=False), TypeError, "title must be"),
        (lambda s: s.problem().check_hand(None), TypeError, "calculation must be"),
        (lambda s: s.problem().train("5"), TypeError, "steps must be"),
        (lambda s: s.OptimizerSpec(name="adam", eps=float("nan")), SymbpError, "eps"),
        (lambda s: s.OptimizerSpec(momentum=-5), SymbpError, "momentum must be ≥ 0"),
        (lambda s: s.problem().step(None, 5), TypeError, "optimizer must be"),
        (lambda s: s.grade(None, None), TypeError, "submissions must be"),
        (lambda s: s.torch_script("spec.toml"), TypeError, "spec must be a NetworkSpec"),
    ],
)
def test_api_arguments_are_checked_at_the_boundary(call: Any, error: type, match: str) -> None:
    import symbp

    with pytest.raises(error, match=match):
        call(symbp)


# -- 13. duplicate JSON keys, TOML errors, reserved ids ------------------------------------------


def test_duplicate_json_keys_are_refused(tmp_path: Path) -> None:
    spec = tmp_path / "dup.json"
    spec.write_text(json.dumps(GOOD_SPEC)[:-1] + ', "layers": [2, 3, 2]}', encoding="utf-8")
    refused("check", "--spec", str(spec), match="'layers' is written twice")
    hand = tmp_path / "hand.json"
    hand.write_text('{"L": 0.1, "L": 0.2}', encoding="utf-8")
    refused("check-hand", str(hand), match="'L' is written twice")


def test_a_toml_value_error_says_what_it_is() -> None:
    import tomllib

    from symbp.core.spec import toml_value_error

    assert toml_value_error(ValueError("Exceeds the limit (4300 digits) for integer")) == (
        "a number is too long"
    )
    with pytest.raises(tomllib.TOMLDecodeError) as raised:
        tomllib.loads('title = """a\\u00"""')
    assert toml_value_error(raised.value).startswith("Invalid hex value")


@pytest.mark.parametrize("reserved", ["exercise.json", "KEY.CSV", "spec.toml"])
def test_an_id_naming_the_folders_own_files_is_refused(tmp_path: Path, reserved: str) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(f"id\n{reserved}\n", encoding="utf-8")
    refused(
        "exercise", "--roster", str(roster), "--out", str(tmp_path / "w"), match="cannot be an id"
    )


def test_a_report_named_like_the_class_summary_is_refused(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id\nclass\n", encoding="utf-8")
    folder = tmp_path / "w"
    assert cli("exercise", "--roster", str(roster), "--out", str(folder))[0] == 0
    refused(
        "grade",
        str(folder / "key.csv"),
        "--exercises",
        str(folder),
        "--reports",
        str(tmp_path / "r"),
        match="two files would be named 'class.txt'",
    )
