"""Time, from one source: the system clock unless another is set (tests set a fake one).

Every rule that depends on time (rate-limit windows, schedule limits, webhook retry times and
secret rotation) reads it here, so a test can set the time rather than sleep to reach or avoid
a moment. Also how the API shows time: ISO 8601 UTC with milliseconds and a `Z`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

Source = Callable[[], float]
_source: Source = time.time


def use(source: Source | None) -> None:
    """Read time from `source` (seconds since the epoch) from now on; None: the system clock again."""
    global _source
    _source = source or time.time


def seconds() -> float:
    """Now, in seconds since the epoch."""
    return _source()


def utc_now() -> datetime:
    return datetime.fromtimestamp(_source(), tz=UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now() -> str:
    return iso(utc_now())


def iso_epoch(seconds: float) -> str:
    return iso(datetime.fromtimestamp(seconds, tz=UTC))


def epoch() -> float:
    """Seconds since the Unix epoch, from the current source (the same as `seconds`)."""
    return _source()


@contextmanager
def using(source: Source) -> Iterator[None]:
    """Read time from `source` for the block only (tests: a fixed or stepped clock)."""
    previous = _source
    use(source)
    try:
        yield
    finally:
        use(previous)
