import os
from collections.abc import Iterator

import pytest
from hypothesis import settings as hypothesis_settings

from testkit.aws import use_fake_aws
from testkit.clock import FakeClock, fake_clock

# No test may reach a real AWS account: fake credentials before anything creates a client.
use_fake_aws()
os.environ.update({"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "Quollo"})

from functions.data.settings import use_local_defaults  # noqa: E402 - after the environment above

use_local_defaults()  # the tests work against the names `quollo serve` provisions

# The same examples in every run, as the e2e fuzz does: an example hypothesis happens upon once in
# some run is a flaky test to whoever runs next. `--hypothesis-profile=explore` searches afresh.
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None)
hypothesis_settings.register_profile("explore")
hypothesis_settings.load_profile("repeatable")

# Every suite's outcome in the session's last lines; how xdist shares the tests (testkit/scheduling.py).
pytest_plugins = ["testkit.suites", "testkit.scheduling"]


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    """The code's clock, standing still INTO_THE_MINUTE seconds into the current minute until the test moves it."""
    with fake_clock() as fake:
        yield fake
