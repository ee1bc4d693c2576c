"""Opaque pagination cursors: encrypted, signed and bound to the user and the query they were issued for.

A cursor is `base64url(ciphertext) . base64url(tag)`. The tag is an HMAC-SHA256 over the owner, the
kind of list with its filter, and the page's DynamoDB key, so a cursor cannot be forged, edited, or
replayed by another user or on another list. The key is encrypted, so that a cursor tells nothing of
our tables, their key attributes or internal user ids: the tag (a pseudo-random function of all of
the above) seeds a SHAKE-256 keystream under a key of its own, and the JSON of the key is XORed with
it. This is SIV, deterministic authenticated encryption (RFC 5297's construction, with HMAC and SHAKE
for CMAC and CTR): no nonce to get wrong, and the same page always gets the same cursor.

Written with the standard library (hashlib, hmac): AES-GCM or Fernet would need the `cryptography`
package (native code, not in the functions' layer) in every list function's cold start, for one
encrypt-then-MAC over a few hundred bytes. Both keys are derived from the one cursor secret.
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
_TAG_BYTES = hashlib.sha256().digest_size


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _subkey(purpose: bytes) -> bytes:
    """A key for one purpose, derived from the cursor secret (HKDF-Expand's first block, RFC 5869)."""
    return hmac.new(cursor_key(), purpose + b"\x01", hashlib.sha256).digest()


def _tag(plaintext: bytes, owner_id: str, scope: str) -> bytes:
    message = "\n".join((owner_id, scope)).encode() + b"\n" + plaintext
    return hmac.new(_subkey(b"quollo cursor tag"), message, hashlib.sha256).digest()


def _keystream_xor(data: bytes, tag: bytes) -> bytes:
    stream = hashlib.shake_256(_subkey(b"quollo cursor encryption") + tag).digest(len(data))
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")


def encode(last_key: dict[str, Any] | None, owner_id: str, scope: str) -> str | None:
    if not last_key:
        return None
    plaintext = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    tag = _tag(plaintext, owner_id, scope)
    return f"{_b64(_keystream_xor(plaintext, tag))}.{_b64(tag)}"


def decode(cursor: str | None, owner_id: str, scope: str) -> dict[str, Any] | None:
    if cursor is None:
        return None
    ciphertext, dot, signature = cursor.partition(".")
    try:
        tag = _unb64(signature)
        if not dot or len(tag) != _TAG_BYTES:
            raise ValidationFailed(_BAD)
        plaintext = _keystream_xor(_unb64(ciphertext), tag)
        if not hmac.compare_digest(tag, _tag(plaintext, owner_id, scope)):
            raise ValidationFailed(_BAD)
        key = json.loads(plaintext)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(_BAD) from exc
    if not isinstance(key, dict):
        raise ValidationFailed(_BAD)
    return key
