"""Fair-use windows as pure rules: which clock minute a moment is in, and how long a refused client waits."""

from __future__ import annotations

import pytest

from functions.domain.ratelimits import WINDOW_SECONDS, retry_after, window_at, window_end

MINUTE = 29_000_000 * WINDOW_SECONDS  # some clock minute's first second


@pytest.mark.parametrize(
    ("now", "window"),
    [
        (MINUTE, MINUTE // 60),
        (MINUTE + 59.999, MINUTE // 60),
        (MINUTE + 60, MINUTE // 60 + 1),
        (MINUTE - 0.001, MINUTE // 60 - 1),
    ],
)
def test_a_window_is_a_clock_minute_with_its_first_instant_and_without_its_last(now: float, window: int) -> None:
    assert window_at(now) == window
    assert window_end(window) == (window + 1) * 60


@pytest.mark.parametrize(
    ("now", "wait"),
    [
        (MINUTE, 60),  # the whole minute ahead
        (MINUTE + 0.5, 60),  # whole seconds, rounded up: a client retrying on time is never early
        (MINUTE + 30, 30),
        (MINUTE + 59.2, 1),
        (MINUTE + 59.999, 1),  # never 0, which RFC 9110 clients read as "retry now"
    ],
)
def test_retry_after_counts_whole_seconds_to_the_windows_end_and_at_least_one(now: float, wait: int) -> None:
    assert retry_after(window_at(now), now) == wait
