"""Time as the API shows it (ISO 8601 UTC with milliseconds and a `Z`), and the time rules read.

`epoch()` is what time-based rules (the rate-limit windows) read: its source can be replaced
(`using`), so that tests put a request anywhere in a window instead of sleeping past a boundary.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_source: Callable[[], float] = time.time


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now() -> str:
    return iso(datetime.now(UTC))


def iso_epoch(seconds: float) -> str:
    return iso(datetime.fromtimestamp(seconds, tz=UTC))


def epoch() -> float:
    """Seconds since the Unix epoch, from the current source (the system clock unless `using` says otherwise)."""
    return _source()


@contextmanager
def using(source: Callable[[], float]) -> Iterator[None]:
    """Read `epoch()` from `source` for the block (tests: a fixed or stepped clock)."""
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous
