"""Synthesize the CDK app once per stage per session; every infra test reads those templates."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testkit.synth import PROD_OVERRIDES, Synth, synthesize


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    yield synthesize(tmp_path_factory.mktemp("dev"), {"stage": "dev"})


@pytest.fixture(scope="session")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    yield synthesize(tmp_path_factory.mktemp("prod"), PROD_OVERRIDES)


@pytest.fixture(scope="session", params=["dev", "prod"])
def synth(request: pytest.FixtureRequest) -> Synth:
    result: Synth = request.getfixturevalue(request.param)
    return result
