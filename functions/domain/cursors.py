"""Opaque pagination cursors, signed and bound to the user and the query they were issued for.

A cursor is `base64url(json(key)) . base64url(hmac)`; the HMAC covers the owner, the kind of list
and its filter, so a cursor cannot be forged, edited, or replayed by another user or on another
list. Written with the standard library's hmac: a signing library would be one more dependency in
every function for twenty lines.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from functions.data.secrets import cursor_key
from functions.models.errors import ValidationFailed

# Cursors never expire: a bad one was edited, truncated, or issued for another user or query.
_BAD = 'Query parameter "cursor" is malformed or was issued for another query; pass nextCursor back unchanged'


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str, owner_id: str, scope: str) -> bytes:
    message = "\n".join((owner_id, scope, payload)).encode()
    return hmac.new(cursor_key(), message, hashlib.sha256).digest()


def encode(last_key: dict[str, Any] | None, owner_id: str, scope: str) -> str | None:
    if not last_key:
        return None
    payload = _b64(json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_b64(_signature(payload, owner_id, scope))}"


def decode(cursor: str | None, owner_id: str, scope: str) -> dict[str, Any] | None:
    if cursor is None:
        return None
    payload, dot, signature = cursor.partition(".")
    try:
        if not dot or not hmac.compare_digest(_unb64(signature), _signature(payload, owner_id, scope)):
            raise ValidationFailed(_BAD)
        key = json.loads(_unb64(payload))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(_BAD) from exc
    if not isinstance(key, dict):
        raise ValidationFailed(_BAD)
    return key
