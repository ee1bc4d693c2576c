"""API token format: `qlo_live_` + 32 random base62 characters + a 6-character base62 CRC32.

The checksum (the scheme GitHub uses for its tokens) lets secret scanners recognise a leaked
token and lets us reject a mistyped or forged one before any database read. Room tokens
(functions/domain/rooms.py) have the same shape after their own prefix, `qlr_`: neither kind
passes the other's format check, so neither is ever looked up where the other is expected.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import zlib

PREFIX = "qlo_live_"
ROOM_PREFIX = "qlr_"
RANDOM_LENGTH = 32
CHECKSUM_LENGTH = 6
_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(_ALPHABET[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def _checksum(random_part: str, prefix: str = PREFIX) -> str:
    return _base62(zlib.crc32((prefix + random_part).encode()), CHECKSUM_LENGTH)


def generate(prefix: str = PREFIX) -> str:
    random_part = "".join(secrets.choice(_ALPHABET) for _ in range(RANDOM_LENGTH))
    return prefix + random_part + _checksum(random_part, prefix)


TOKEN_LENGTH = len(PREFIX) + RANDOM_LENGTH + CHECKSUM_LENGTH


def format_problem(token: str, prefix: str = PREFIX) -> str | None:
    """Why `token` cannot be one of ours (of `prefix`'s kind), or None. Length and alphabet come first: the
    CRC32 is public, so a checksum alone would let a forged token of any size through to a database read."""
    body = token[len(prefix) :]
    if (
        len(token) != len(prefix) + RANDOM_LENGTH + CHECKSUM_LENGTH
        or not token.startswith(prefix)
        or any(ch not in _ALPHABET for ch in body)
    ):
        return f"Token is malformed: expected {prefix} followed by {RANDOM_LENGTH + CHECKSUM_LENGTH} letters and digits"
    random_part, checksum = body[:-CHECKSUM_LENGTH], body[-CHECKSUM_LENGTH:]
    if not secrets.compare_digest(_checksum(random_part, prefix), checksum):
        return "Token is mistyped: its checksum does not match; copy it again"
    return None


def is_well_formed(token: str) -> bool:
    return format_problem(token) is None


def fingerprint(token: str) -> str:
    """What the tokens table stores instead of the secret: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token_id() -> str:
    return "tok_" + secrets.token_hex(8)
