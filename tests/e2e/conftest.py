"""Fixtures of the black-box suite: one `quollo serve` subprocess per session (per xdist worker).

Each test uses users of its own (TEST_USERS in e2e_support, or `new_account`), so that tests on
either worker's server never see each other's data; each module stays on one worker (testkit/suites.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from e2e_support import Server, start_server, stop_server, write_seed

from testkit.webhook_receiver import Receiver, receiving


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per session (per worker), seeded with examples/seed.json plus one user per test."""
    seed = write_seed(tmp_path_factory.mktemp("seed") / "seed.json")
    running = start_server(seed)
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver of the test's own on 127.0.0.1 (testkit/webhook_receiver.py)."""
    with receiving() as running:
        yield running
