"""Time as the API shows it: ISO 8601 UTC with milliseconds and a `Z`."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now() -> str:
    return iso(datetime.now(UTC))


def iso_epoch(seconds: float) -> str:
    return iso(datetime.fromtimestamp(seconds, tz=UTC))
