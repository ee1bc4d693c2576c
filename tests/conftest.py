import os
from collections.abc import Iterator

import pytest

from testkit.aws import use_fake_aws
from testkit.clock import FakeClock, fake_clock

# No test may reach a real AWS account: fake credentials before anything creates a client.
use_fake_aws()
os.environ.update({"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "Quollo"})

from functions.data.settings import use_local_defaults  # noqa: E402 - after the environment above

use_local_defaults()  # the tests work against the names `quollo serve` provisions

# Every suite's outcome in the session's last lines; e2e modules and the infra suite kept on one worker each.
pytest_plugins = ["testkit.suites"]


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    """The code's clock, standing still INTO_THE_MINUTE seconds into the current minute until the test moves it."""
    with fake_clock() as fake:
        yield fake
