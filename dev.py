#!/usr/bin/env python3
"""One entry point for working on kasacloud: it makes its own virtualenv, then runs the job.

    python3 dev.py demo     # the local cloud with simulated devices, the dashboard and the CLI
    python3 dev.py test     # lint, type check and the whole test suite
    python3 dev.py bench    # the benchmarks, each against a baseline measured in the same run
    python3 dev.py fuzz     # the wire fuzz suite, long: 20x CI's examples (KASACLOUD_FUZZ_SCALE)
    python3 dev.py shell    # a shell inside the virtualenv

Only Python 3.11+ and pip are needed: everything else is installed into `.venv` on first use, and
again whenever pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".kasacloud-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_venv() -> None:
    """Create `.venv` and install the project with its test extras when pyproject.toml changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit(f"kasacloud needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print("dev.py: creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("dev.py: installing kasacloud and its test tools into .venv ...", flush=True)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def run(*args: str) -> int:
    """Run a command from the virtualenv, returning its exit code."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(list(args), cwd=ROOT, env=env).returncode


def main(argv: list[str]) -> int:
    """Dispatch `dev.py JOB [ARGS...]`."""
    job, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if job in {"help", "-h", "--help"}:
        print(__doc__)
        return 0
    ensure_venv()
    py = str(PYTHON)
    if job == "demo":
        return run(py, "-m", "kasacloud", "demo", *rest)
    if job == "test":
        for step in (
            [py, "-m", "ruff", "check", "src", "tests", "benchmarks", "dev.py"],
            [py, "-m", "ruff", "format", "--check", "src", "tests", "benchmarks", "dev.py"],
            [py, "-m", "mypy"],
        ):
            if code := run(*step):
                print(f"dev.py: {' '.join(step[1:4])} failed", file=sys.stderr)
                return code
        return run(py, "-m", "pytest", *rest)
    if job == "fuzz":
        # CI runs tests/fuzz at scale 1 within the normal suite; this is the long run.
        os.environ.setdefault("KASACLOUD_FUZZ_SCALE", "20")
        return run(py, "-m", "pytest", "-p", "no:cacheprovider", "--timeout=0", "tests/fuzz", *rest)
    if job == "bench":
        return run(py, "-m", "benchmarks", *rest)
    if job == "shell":
        return run(os.environ.get("SHELL", "/bin/sh"), *rest)
    if job == "kasacloud":
        return run(py, "-m", "kasacloud", *rest)
    print(f"dev.py: unknown job {job!r}; try: demo, test, fuzz, bench, shell", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
