"""Fair use: a budget per token per fixed one-minute window, and a slow lane for token guessing.

Fixed windows (docs/decisions.md, "Rate limits"): one counter per token per clock minute, counted in
the UpdateItem that authenticates the token, so fair use costs no extra DynamoDB call.
"""

from __future__ import annotations

import math

from functions.data import ratelimits as store
from functions.records import record

WINDOW_SECONDS = 60
# Failed authentications a source address may make per window before it is refused outright.
FAILED_AUTH_LIMIT = 30


def window_at(now: float) -> int:
    return int(now // WINDOW_SECONDS)


def window_end(window: int) -> int:
    return (window + 1) * WINDOW_SECONDS


def retry_after(window: int, now: float) -> int:
    """Whole seconds until the window ends, at least 1 (RFC 9110 delay-seconds)."""
    return max(1, math.ceil(window_end(window) - now))


@record
class Budget:
    limit: int
    used: int  # requests counted in this window, this one included
    window: int

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - self.used)),
            "X-RateLimit-Reset": str(window_end(self.window)),
        }


# Source addresses past FAILED_AUTH_LIMIT, and the window they are refused in. Per process, as a
# Lambda container keeps it: every container still counts failures in the shared table, so a
# guesser spread over many containers is refused by each after at most one lookup.
_refused: dict[str, int] = {}
# Fingerprints of tokens that failed from a refused address, and the window: a client repeating a
# revoked token (the usual careless integration) is refused again without a lookup. Bounded: a guesser
# sending new tokens would otherwise grow it; past the bound, failures just cost their lookup again.
_failed_tokens: dict[str, int] = {}
_FAILED_TOKENS_KEPT = 10_000


def is_refused(source_ip: str, window: int) -> bool:
    return _refused.get(source_ip) == window


def failed_here(fingerprint: str, window: int) -> bool:
    return _failed_tokens.get(fingerprint) == window


def remember_failure(fingerprint: str, window: int) -> None:
    if len(_failed_tokens) >= _FAILED_TOKENS_KEPT:
        for stale in [key for key, seen in _failed_tokens.items() if seen < window]:
            del _failed_tokens[stale]
        if len(_failed_tokens) >= _FAILED_TOKENS_KEPT:
            return
    _failed_tokens[fingerprint] = window


def count_failure(source_ip: str, window: int) -> None:
    if store.count_failure(source_ip, window, WINDOW_SECONDS) >= FAILED_AUTH_LIMIT:
        # Addresses refused in earlier windows are forgotten here, so the map stays small.
        for address in [address for address, refused in _refused.items() if refused < window]:
            _refused.pop(address, None)
        _refused[source_ip] = window


def forget() -> None:
    """As a new container starts: no address refused (tests and the bench reset it between runs)."""
    _refused.clear()
    _failed_tokens.clear()
