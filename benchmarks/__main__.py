"""Run the benchmarks: ``python -m benchmarks`` runs all, ``python -m benchmarks server`` one.

Each benchmark is a module of this package with a ``main(argv) -> int``; add a line to BENCHMARKS.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS: dict[str, str] = {
    "server": "benchmarks.server",
    "client": "benchmarks.client",
    "scale": "benchmarks.scale",
}


def usage() -> str:
    """What ``python -m benchmarks --help`` prints: this module's text and each benchmark's."""
    parts = [(__doc__ or "").strip(), "", "Benchmarks:"]
    for name, module_name in BENCHMARKS.items():
        try:
            doc = importlib.import_module(module_name).__doc__ or ""
        except ModuleNotFoundError as exc:
            doc = f"(not available: {exc})"
        lines = (f"    {line}".rstrip() for line in doc.strip().splitlines())
        parts.append(f"\n{name}:\n" + "\n".join(lines))
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    if any(a in {"-h", "--help", "help"} for a in argv):
        print(usage())
        return 0
    names = [a for a in argv if not a.startswith("-")] or list(BENCHMARKS)
    options = [a for a in argv if a.startswith("-")]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    status = 0
    for name in names:
        try:
            module = importlib.import_module(BENCHMARKS[name])
        except ModuleNotFoundError as exc:
            print(f"benchmark {name}: not available ({exc})")
            status = 1
            continue
        status |= module.main(options)
    return status


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:  # Ctrl-C: a quiet stop, as every command of the README
        print("benchmarks: interrupted.", file=sys.stderr)
        sys.exit(130)
