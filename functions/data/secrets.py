"""Secrets the functions need, fetched from Secrets Manager and cached for a few minutes."""

from __future__ import annotations

import time

from functions.data.aws import secrets_manager
from functions.data.settings import settings
from functions.records import record

# Long enough that a warm function rarely calls Secrets Manager, short enough that a rotated key
# reaches every container within minutes.
_MAX_AGE_SECONDS = 300


@record(frozen=False)
class _Cached:
    value: bytes
    fetched_at: float


# Read with our client rather than Powertools' parameters utility: the one GetSecretValue and a
# max-age are all we use of it, and importing it cost the list functions 16-23 ms at every cold
# start (bench/report.md). One entry: the functions read one secret.
_cache: dict[str, _Cached] = {}


def cursor_key() -> bytes:
    name = settings().cursor_secret
    cached = _cache.get(name)
    if cached is None or time.monotonic() - cached.fetched_at >= _MAX_AGE_SECONDS:
        found = secrets_manager().get_secret_value(SecretId=name)
        if "SecretString" in found:
            value = found["SecretString"].encode()
        elif "SecretBinary" in found:
            value = found["SecretBinary"]
        else:
            raise TypeError("the cursor-signing secret must be a string or binary secret")
        cached = _cache[name] = _Cached(value, time.monotonic())
    return cached.value


def forget() -> None:
    """Drop the cached key, as a new container starts without it."""
    _cache.clear()
