#!/usr/bin/env python3
"""One entry point for working on kasacloud: it makes its own virtualenv, then runs the job.

    python3 dev.py demo     # the local cloud with simulated devices, the dashboard and the CLI
    python3 dev.py test     # lint, type check and the whole test suite
    python3 dev.py bench    # the benchmarks, each against a baseline measured in the same run
    python3 dev.py fuzz     # the wire fuzz suite, long: 20x CI's examples (KASACLOUD_FUZZ_SCALE)
    python3 dev.py shell    # a shell inside the virtualenv
    python3 dev.py kasacloud ARGS...   # the kasacloud command of the virtualenv

Only Python 3.11+ and pip are needed: everything else is installed into `.venv` on first use, and
again whenever pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import signal
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
    """Run a command from the virtualenv, returning its exit code (128 + N if signal N ended it).

    Ctrl-C reaches the command from the terminal (it is in the same process group), so dev.py
    itself only notes it and waits for the command to finish its own clean-up: no traceback of
    dev.py's, and exit 130 (or the command's 0). A SIGTERM or SIGHUP sent to dev.py alone is
    passed on.
    """
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    proc = subprocess.Popen(list(args), cwd=ROOT, env=env)

    interrupted: list[bool] = []

    def forward(signum: int, frame: object) -> None:
        del frame
        if proc.poll() is None:
            proc.send_signal(signum)

    def note_interrupt(signum: int, frame: object) -> None:
        del signum, frame
        interrupted.append(True)  # the command got the same Ctrl-C from the terminal

    previous = {signal.SIGINT: signal.signal(signal.SIGINT, note_interrupt)}
    for name in ("SIGTERM", "SIGHUP"):
        if (number := getattr(signal, name, None)) is not None:
            previous[number] = signal.signal(number, forward)
    try:
        code = proc.wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    code = 128 - code if code < 0 else code
    if interrupted and code not in (0, 130):  # pytest says 2 for Ctrl-C: one code for it
        print("dev.py: interrupted.", file=sys.stderr)
        return 130
    return code


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
    print(
        f"dev.py: unknown job {job!r}; try: demo, test, fuzz, bench, shell, kasacloud",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:  # Ctrl-C while .venv is being made: no traceback
        print("dev.py: interrupted.", file=sys.stderr)
        sys.exit(130)
