"""Secrets the functions need, fetched from Secrets Manager and cached for a few minutes."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from functions.data.aws import secrets_manager
from functions.data.settings import settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

# Long enough that a warm function rarely calls Secrets Manager, short enough that a rotated key
# reaches every container within minutes.
_MAX_AGE_SECONDS = 300


@cache
def _provider() -> SecretsProvider:
    # Imported here: only the two list functions sign cursors. Our cached client, because Powertools'
    # default provider builds a new boto3 session (about 70 ms more at cold start, see bench/report.md).
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=secrets_manager())


def cursor_key() -> bytes:
    value = _provider().get(settings().cursor_secret, max_age=_MAX_AGE_SECONDS)
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes):
        return value
    raise TypeError("the cursor-signing secret must be a string or binary secret")
