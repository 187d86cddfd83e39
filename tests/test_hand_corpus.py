"""check-hand on a corpus of hand calculations written the way students write them.

tests/hand_corpus/generate.py works each file in plain Python (no symbp): right calculations at
several precisions and in every accepted spelling, each catalogue mistake and pairs of them made
for real in the chain, slips outside the catalogue, numbers that state no precision; and it
writes down what each file should get. This test judges every file with symbp and prints the
verdict and diagnosis accuracy; anything below 100 % fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from symbp.handcheck import check_hand_file
from symbp.handcheck.judge import HandReport

from .hand_corpus import generate

CORPUS = Path(__file__).resolve().parent / "hand_corpus"


def expected() -> dict[str, dict[str, Any]]:
    document: dict[str, dict[str, Any]] = json.loads(
        (CORPUS / "expected.json").read_text(encoding="utf-8")
    )
    return document


def judge(name: str) -> HandReport:
    return check_hand_file(str(CORPUS / name))


def test_the_corpus_on_disk_is_what_the_generator_writes() -> None:
    files = generate.corpus()
    on_disk = {
        p.name: p.read_bytes() for p in CORPUS.iterdir() if p.suffix in (".txt", ".toml", ".json")
    }
    assert sorted(on_disk) == sorted(files), "run python tests/hand_corpus/generate.py"
    for name, data in files.items():
        assert on_disk[name] == data, f"{name} is out of date: run tests/hand_corpus/generate.py"
    hand_files = [n for n in files if n != "expected.json" and n in expected()]
    assert len(hand_files) >= 60


def diagnosis_matches(report: HandReport, want: list[str] | None) -> bool:
    if want is None:  # a slip outside the catalogue: nothing may claim to reproduce it all
        return report.diagnoses == ()
    if not want:  # a right calculation
        return report.all_right and report.diagnoses == () and report.partial == ()
    return bool(report.diagnoses) and sorted(report.diagnoses[0].keys) == sorted(want)


def test_verdict_and_diagnosis_accuracy(report_figure: Callable[[str], None]) -> None:
    cases = expected()
    verdicts_right = verdicts_total = 0
    diagnoses_right = 0
    failures: list[str] = []
    for name, want in sorted(cases.items()):
        try:
            report = judge(name)
        except Exception as error:  # noqa: BLE001 - counted as a failure, then reported
            failures.append(f"{name}: {type(error).__name__}: {error}")
            verdicts_total += len(want["verdicts"])
            continue
        got = {j.key: j.verdict.value for j in report.judgements}
        for key, verdict in want["verdicts"].items():
            verdicts_total += 1
            if got.get(key) == verdict:
                verdicts_right += 1
            else:
                failures.append(f"{name}: {key} is {got.get(key)!r}, expected {verdict!r}")
        extra = sorted(set(got) - set(want["verdicts"]))
        if extra:
            failures.append(f"{name}: judged numbers that are not in the file: {extra}")
        ok = diagnosis_matches(report, want["diagnosis"])
        if want["entered"] is not None:
            ok = ok and [j.key for j in report.entry_points] == want["entered"]
        for key, equal in want["formulas"].items():
            checks = [f for f in report.formulas if f.key == key]
            ok = ok and bool(checks) and all(f.equal == equal for f in checks)
        if ok:
            diagnoses_right += 1
        else:
            first = report.diagnoses[0].keys if report.diagnoses else ()
            failures.append(
                f"{name}: diagnosis {first}, partial {[d.keys for d in report.partial]}, "
                f"entered {[j.key for j in report.entry_points]}; expected {want['diagnosis']}"
            )
    report_figure(
        f"hand corpus: {len(cases)} files; verdicts {verdicts_right}/{verdicts_total} "
        f"({100 * verdicts_right / verdicts_total:.1f} %), diagnoses "
        f"{diagnoses_right}/{len(cases)} ({100 * diagnoses_right / len(cases):.1f} %)"
    )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", ["right_utf16.txt", "right_fullwidth.txt", "right_chinese.txt"])
def test_the_corpus_reads_through_the_cli(name: str) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "symbp", "check-hand", str(CORPUS / name)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().rstrip(".").lower().endswith("all right")
