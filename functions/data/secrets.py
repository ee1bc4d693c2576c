"""Secrets the functions need, fetched from Secrets Manager and cached for a few minutes."""

from __future__ import annotations

from functions.runtime.settings import settings

# Long enough that a warm function rarely calls Secrets Manager, short enough that a rotated key
# reaches every container within minutes.
_MAX_AGE_SECONDS = 300


def cursor_key() -> bytes:
    # Imported here: only the two list functions sign cursors, the others should not pay for it.
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(settings().cursor_secret, max_age=_MAX_AGE_SECONDS)
    return value.encode() if isinstance(value, str) else bytes(value)
