"""A newcomer's first minutes, for real: a fresh clone, the README's first command, then every
command of the README's tour exactly as printed, in a new shell.

    python3 benchmarks/fresh_clone_tour.py [--source REPO] [--dest DIR]

Clones REPO (default: this checkout's repository) into DIR (default a new folder under /tmp),
runs the README's first command there (as root without sudo, `sudo ` is left out, as the README
says), then the tour's commands in one new bash whose environment has no PYTHONPATH, no
VIRTUAL_ENV and a stock PATH. Prints each command's exit status and time; exits 1 if any
command exits with 2 or more or prints a traceback or "command not found".
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

from tests.test_readme import section, tour_commands  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=str(HERE), help="the repository to clone")
    parser.add_argument("--dest", type=Path, help="where to clone (default: a new /tmp folder)")
    args = parser.parse_args()
    dest = args.dest or Path(tempfile.mkdtemp(prefix="fresh-")) / "symbp"
    subprocess.run(["git", "clone", "-q", args.source, str(dest)], check=True)
    readme = (dest / "README.md").read_text(encoding="utf-8")
    first = re.findall(r"^```sh\n(.*?)\n```", section(readme, "Two commands on a fresh machine"),
                       re.S | re.M)[0]  # fmt: skip
    if os.geteuid() == 0 and shutil.which("sudo") is None:
        first = first.replace("sudo ", "")
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}  # fmt: skip
    env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    print(f"clone: {dest}\n$ {first}")
    started = time.perf_counter()
    done = subprocess.run(["bash", "-c", first], cwd=dest, env=env, capture_output=True, text=True)
    print(done.stdout[-600:] + done.stderr[-600:])
    print(f"first command: exit {done.returncode}, {time.perf_counter() - started:.0f} s\n")
    if done.returncode != 0:
        return 1
    commands = tour_commands(readme)
    script = []
    for number, command in enumerate(commands):
        script += [f'echo "@@start {number}" >&2', command, f'echo "@@ {number} $?" >&2']
    started = time.perf_counter()
    tour = subprocess.run(["bash", "-c", "\n".join(script)], cwd=dest, env=env,
                          capture_output=True, text=True)  # fmt: skip
    seconds = time.perf_counter() - started
    statuses = dict(re.findall(r"^@@ (\d+) (\d+)$", tour.stderr, re.M))
    failed = 0
    for number, command in enumerate(commands):
        status = statuses.get(str(number), "not run")
        failed += status not in ("0", "1")
        print(f"exit {status:>7}  $ {command}")
    noise = [word for word in ("Traceback", "command not found") if word in tour.stderr]
    print(f"\n{len(commands)} tour commands in {seconds:.0f} s; {failed} failed; {noise or ''}")
    stderr = [line for line in tour.stderr.splitlines() if not line.startswith("@@")]
    print("stderr of the tour:\n  " + "\n  ".join(stderr))
    return 1 if failed or noise else 0


if __name__ == "__main__":
    sys.exit(main())
