"""A clock for tests: set through functions.domain.clock's seam, still until a test moves it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from functions.domain import clock as domain_clock

# Ten seconds into a clock minute: rate-limit windows are clock minutes, so a test starting here is
# inside one window however long it takes, until it moves the clock on.
INTO_THE_MINUTE = 10


class FakeClock:
    """Seconds since the epoch; starts INTO_THE_MINUTE seconds into the current minute and stands still."""

    def __init__(self, at: float | None = None) -> None:
        self.at = at if at is not None else (time.time() // 60) * 60 + INTO_THE_MINUTE

    def __call__(self) -> float:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += seconds


@contextmanager
def fake_clock(at: float | None = None) -> Iterator[FakeClock]:
    """The code's clock for the block's length."""
    fake = FakeClock(at)
    domain_clock.use(fake)
    try:
        yield fake
    finally:
        domain_clock.use(None)
