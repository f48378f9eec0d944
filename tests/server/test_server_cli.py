"""``kasacloud serve``: bad input gives one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kasacloud.cli.main import cli


@pytest.fixture
def run(tmp_path: Path):
    def invoke(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["serve", "--data-dir", str(tmp_path / "data"), *args])
        return result.exit_code, result.output

    return invoke


def _one_line_error(code: int, output: str) -> str:
    assert code != 0
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error")]
    assert len(errors) == 1, output
    return errors[0]


def test_missing_seed(run, tmp_path: Path) -> None:
    line = _one_line_error(*run("--seed", str(tmp_path / "nope.json")))
    assert "nope.json" in line


def test_seed_that_is_not_json(run, tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text("{not json")
    assert "not valid JSON" in _one_line_error(*run("--seed", str(seed)))


def test_seed_with_an_unknown_model(run, tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        '{"accounts": [{"email": "a@x.org", "password": "p",'
        ' "devices": [{"model": "NO-SUCH-MODEL"}]}]}'
    )
    assert "NO-SUCH-MODEL" in _one_line_error(*run("--seed", str(seed)))


def test_bad_port(run) -> None:
    _one_line_error(*run("--port", "70000"))
    _one_line_error(*run("--port", "http"))
    # Region n listens on port + n: the last region must still get a real port.
    line = _one_line_error(
        *run("--port", "65535", "--region", "eu-west-1", "--region", "us-east-1")
    )
    assert "--port" in line


def test_capture_that_does_not_parse(run, tmp_path: Path) -> None:
    capture = tmp_path / "broken.json"
    capture.write_text('{"system": 5}')
    _one_line_error(*run("--device", str(capture)))
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x00\xff not json")
    _one_line_error(*run("--device", str(garbage)))


def test_bad_public_url(run) -> None:
    _one_line_error(*run("--public-url", "ftp://x"))
    _one_line_error(*run("--public-url", "mars-1=http://x"))


def test_port_in_use(run) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert "cannot listen" in _one_line_error(*run("--port", str(port)))


def test_help_mentions_the_options() -> None:
    output = CliRunner().invoke(cli, ["serve", "--help"]).output
    for option in ("--host", "--port", "--public-url", "--seed", "--device", "--data-dir"):
        assert option in output


def test_bad_connection_cap(run) -> None:
    line = _one_line_error(*run("--max-connections", "-1"))
    assert "--max-connections" in line
    assert "--max-connections" in CliRunner().invoke(cli, ["serve", "--help"]).output
