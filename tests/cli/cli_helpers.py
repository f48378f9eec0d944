"""Helpers of the CLI tests: they run the real ``kasacloud`` command against a real local cloud.

``cloud`` is one LocalCloud (demo house) for this package; ``config_dir`` a fresh config dir per
test; ``signed_in`` a config dir after a real ``kasacloud login``. ``kc(...)`` runs the command
in-process through click's CliRunner with a clean environment (no real user's config or secrets).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from kasacloud.cli.main import cli

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo"
MFA_EMAIL = "mfa@example.com"
SECRET_EMAIL = "owner@example.com"
SECRET_PASSWORD = "Sup3r-s3cret-Pw!"  # distinctive: a leak cannot hide in other text
SECRET_SEED = {
    "accounts": [
        {
            "email": SECRET_EMAIL,
            "password": SECRET_PASSWORD,
            "devices": [{"model": "HS110(US)_1.0", "alias": "Kettle"}],
        }
    ]
}

CLEAN_ENV = {
    "KASA_USERNAME": None,
    "KASA_PASSWORD": None,
    "KASACLOUD_URL": None,
    "KASACLOUD_CONFIG_DIR": None,
    "NO_COLOR": None,
    "FORCE_COLOR": None,
}


@dataclass
class Run:
    """A finished CLI run."""

    result: Result

    @property
    def code(self) -> int:
        return self.result.exit_code

    @property
    def out(self) -> str:
        return self.result.stdout

    @property
    def err(self) -> str:
        return self.result.stderr

    def json(self) -> Any:
        return json.loads(self.out)

    def error_json(self) -> Any:
        # prompts (login) may come first on stderr; the error object is the last thing
        return json.loads(self.err[self.err.index("{") :])


Kc = Callable[..., Run]


def make_runner(config_dir: Path) -> Kc:
    def kc(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Run:
        runner = CliRunner()
        full_env = {**CLEAN_ENV, "KASACLOUD_CONFIG_DIR": str(config_dir), **(env or {})}
        result = runner.invoke(cli, list(args), input=input, env=full_env, catch_exceptions=False)
        return Run(result)

    return kc


def json_of(kc: Kc, *args: str, code: int = 0) -> Any:
    """``kasacloud --json ARGS``: its JSON answer (or error object); checks the exit code first."""
    run = kc("--json", *args)
    assert run.code == code, (args, run.out, run.err)
    return run.json() if run.out.strip() else run.error_json()
