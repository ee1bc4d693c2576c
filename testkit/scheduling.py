"""A pytest plugin: how `make test` shares the tests between its two xdist workers.

Units of work: the whole infra suite is one (its dev and prod stacks are synthesized once per
session), each e2e module is one (its servers are set up once per module), and every other test is
a unit of its own. Units go out longest first, so that the fine-grained integration and unit tests
fill in at the end and both workers finish together.

xdist's own `--dist loadgroup` cannot do this under pytest 9: it appends the group to `item._nodeid`,
which pytest 9 no longer reads (the id is `item._id`), so every module was split across both workers
and each worker set up every module's servers and synthesized every stack. The scheduler below is
xdist's documented extension point (`pytest_xdist_make_scheduler`) and reads plain node ids.
"""

from __future__ import annotations

from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]  # no type information

# The longest units, measured (CPU-seconds on 2 cores, after the moto patches): the infra suite
# about 150, then these e2e modules 20-100 each. A name missing here only costs time, never a result.
LONGEST_FIRST = (
    "tests/infra",
    "tests/e2e/test_fuzz.py",
    "tests/e2e/test_ledger_model.py",
    "tests/e2e/test_cli.py",
    "tests/e2e/test_webhooks.py",
    "tests/e2e/test_concurrency.py",
    "tests/e2e/test_recording_pipeline.py",
)


def unit_of(nodeid: str) -> str:
    """The unit of work a test belongs to: `tests/infra`, an e2e module's path, or the test itself."""
    path = nodeid.split("::", 1)[0]
    if path.startswith("tests/infra/"):
        return "tests/infra"
    if path.startswith("tests/e2e/"):
        return path
    return nodeid


def _rank(nodeid: str) -> int:
    unit = unit_of(nodeid)
    if unit in LONGEST_FIRST:
        return LONGEST_FIRST.index(unit)
    return len(LONGEST_FIRST) + (0 if unit != nodeid else 1)  # other e2e modules, then single tests


class UnitScheduling(LoadScopeScheduling):  # type: ignore[misc]  # its base is untyped (Any)
    """xdist's scope scheduling, with our units as the scopes, handed out in collection order."""

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every worker collects, and must collect the same order: a stable sort of the same items.
    items.sort(key=lambda item: _rank(item.nodeid))


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> UnitScheduling | None:
    if config.getvalue("dist") in ("no", "each"):
        return None
    # Units leave in the order just sorted, not re-sorted by their number of tests.
    config.option.loadscopereorder = False
    return UnitScheduling(config, log)
