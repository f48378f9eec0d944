"""docs/guide.md's examples run, as written, against a local kasacloud server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kasacloud.server import LocalCloud

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def blocks() -> list[tuple[int, str]]:
    text = GUIDE.read_text(encoding="utf-8")
    return [(text[: m.start()].count("\n") + 1, m.group(1)) for m in BLOCK.finditer(text)]


@pytest.fixture(scope="module")
def guide_cloud() -> Iterator[LocalCloud]:
    with LocalCloud() as cloud:
        yield cloud


def test_the_guide_has_examples() -> None:
    assert len(blocks()) >= 10


@pytest.mark.parametrize(("line", "source"), blocks(), ids=[f"line{n}" for n, _ in blocks()])
def test_guide_example(
    line: int,
    source: str,
    guide_cloud: LocalCloud,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KASACLOUD_URL", guide_cloud.url)
    # a fresh config dir per example: its own terminal id (so 2-step verification is asked
    # again) and its own token file
    monkeypatch.setenv("KASACLOUD_CONFIG_DIR", str(tmp_path))

    def read_code(prompt: str = "") -> str:
        # the user reading the e-mail: the newest code the server sent
        return guide_cloud.mfa_codes("mfa@example.com")[-1]

    namespace = {"__name__": "__guide__", "input": read_code}
    exec(compile(source, f"{GUIDE}:{line}", "exec"), namespace)
    assert capsys.readouterr().out or "print(" not in source
