"""Where the python-kasa captures are: ``../shared/fixtures/kasa-iot`` beside the checkout.

One place for every test that reads them. On a developer's machine without the folder, tests that
need it are skipped with the reason shown; on CI (``CI=true``) they fail instead, because there a
missing folder means the tests did not test what they claim.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CAPTURES_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "kasa-iot"
ON_CI = os.environ.get("CI", "").lower() == "true"


def capture_files(pattern: str = "*.json") -> list[Path]:
    """The captures matching ``pattern``, sorted; empty when the folder is absent."""
    return sorted(CAPTURES_DIR.glob(pattern)) if CAPTURES_DIR.is_dir() else []


def capture_params(pattern: str = "*.json") -> list[object]:
    """One pytest param per capture; a visible skip (or, on CI, a failing param) when absent."""
    files = capture_files(pattern)
    if files:
        return [pytest.param(f, id=f.stem) for f in files]
    if ON_CI:
        return [pytest.param(None, id="captures-missing")]
    reason = f"captures not found at {CAPTURES_DIR}"
    return [pytest.param(None, id="captures-missing", marks=pytest.mark.skip(reason=reason))]


def require_captures() -> Path:
    """The captures folder; skips the test when absent (fails on CI)."""
    if not CAPTURES_DIR.is_dir():
        if ON_CI:
            pytest.fail(f"captures not found at {CAPTURES_DIR} (CI must have ../shared beside)")
        pytest.skip(f"captures not found at {CAPTURES_DIR}")
    return CAPTURES_DIR


SMART_CAPTURES_DIR = CAPTURES_DIR.parent / "kasa-smart"
"""python-kasa's SMART captures (Tapo, newer Kasa); hub children in ``child/``."""


def smart_capture_files(pattern: str = "*.json") -> list[Path]:
    """The SMART captures matching ``pattern`` (``child/*.json`` for hub children), sorted."""
    return sorted(SMART_CAPTURES_DIR.glob(pattern)) if SMART_CAPTURES_DIR.is_dir() else []


def smart_capture_params(pattern: str = "*.json") -> list[object]:
    """One pytest param per SMART capture; a visible skip (on CI, a failing param) when absent."""
    files = smart_capture_files(pattern)
    if files:
        return [pytest.param(f, id=f.stem) for f in files]
    if ON_CI:
        return [pytest.param(None, id="smart-captures-missing")]
    reason = f"SMART captures not found at {SMART_CAPTURES_DIR}"
    return [pytest.param(None, id="smart-captures-missing", marks=pytest.mark.skip(reason=reason))]
