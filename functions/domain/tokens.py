"""API token format: `qlo_live_` + 32 random base62 characters + a 6-character base62 CRC32.

The checksum (the scheme GitHub uses for its tokens) lets secret scanners recognise a leaked
token and lets us reject a mistyped or forged one before any database read.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import zlib

PREFIX = "qlo_live_"
RANDOM_LENGTH = 32
CHECKSUM_LENGTH = 6
_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(_ALPHABET[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def _checksum(random_part: str) -> str:
    return _base62(zlib.crc32((PREFIX + random_part).encode()), CHECKSUM_LENGTH)


def generate() -> str:
    random_part = "".join(secrets.choice(_ALPHABET) for _ in range(RANDOM_LENGTH))
    return PREFIX + random_part + _checksum(random_part)


TOKEN_LENGTH = len(PREFIX) + RANDOM_LENGTH + CHECKSUM_LENGTH
_MALFORMED = f"Token is malformed: expected {PREFIX} followed by {RANDOM_LENGTH + CHECKSUM_LENGTH} letters and digits"


def format_problem(token: str) -> str | None:
    """Why `token` cannot be one of ours, or None. Length and alphabet come first: the CRC32 is
    public, so a checksum alone would let a forged token of any size through to a database read."""
    body = token[len(PREFIX) :]
    if len(token) != TOKEN_LENGTH or not token.startswith(PREFIX) or any(ch not in _ALPHABET for ch in body):
        return _MALFORMED
    random_part, checksum = body[:-CHECKSUM_LENGTH], body[-CHECKSUM_LENGTH:]
    if not secrets.compare_digest(_checksum(random_part), checksum):
        return "Token is mistyped: its checksum does not match; copy it again"
    return None


def is_well_formed(token: str) -> bool:
    return format_problem(token) is None


def fingerprint(token: str) -> str:
    """What the tokens table stores instead of the secret: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token_id() -> str:
    return "tok_" + secrets.token_hex(8)
