"""Fixtures of the CLI tests: a real local cloud, fresh config dirs, a signed-in session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import DEMO_EMAIL, DEMO_PASSWORD, SECRET_SEED, Kc, make_runner

from kasacloud.server import LocalCloud


@pytest.fixture(scope="package")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud() as running:
        yield running


@pytest.fixture(scope="package")
def secret_cloud() -> Iterator[LocalCloud]:
    """An account whose password is distinctive, to prove it never shows."""
    with LocalCloud(seed=SECRET_SEED) as running:
        yield running


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return tmp_path / "config"


@pytest.fixture
def kc(config_dir: Path) -> Kc:
    return make_runner(config_dir)


@pytest.fixture(scope="package")
def signed_in_dir(cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("signed-in")
    run = make_runner(directory)(
        "--cloud", cloud.url, "login", input=f"{DEMO_EMAIL}\n{DEMO_PASSWORD}\n"
    )
    assert run.code == 0, run.err
    return directory


@pytest.fixture
def signed(signed_in_dir: Path) -> Kc:
    """Run the CLI signed in to the demo account (the session shared by the package)."""
    return make_runner(signed_in_dir)


@pytest.fixture
def kc_house(house: LocalCloud, tmp_path: Path) -> Kc:
    """A fresh config dir signed in to ``house``: a cloud of the test module's own, for tests
    that move its clock or change its devices (the module defines the ``house`` fixture)."""
    kc = make_runner(tmp_path / "config")
    run = kc("--cloud", house.url, "login", input=f"{DEMO_EMAIL}\n{DEMO_PASSWORD}\n")
    assert run.code == 0, run.err
    return kc
