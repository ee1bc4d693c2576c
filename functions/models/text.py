"""Rules for the short texts a person reads back: titles and names (not free-form metadata)."""

from __future__ import annotations

import re

# C0 and C1 controls and DEL: they reach terminals, logs and ATS screens unchanged (ESC sequences,
# NUL truncation), and no title or name needs one. metadata, the caller's own JSON, keeps them.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The same rule for the OpenAPI document and its readers (ECMA-262 syntax): no control
# character, and at least one that is not white space.
PLAIN_TEXT_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"


def text_problem(value: str) -> str | None:
    """What is wrong with `value` as a title or name, in the API's words, or None."""
    if _CONTROL_CHARACTERS.search(value):
        return "must not contain control characters"
    if not value.strip():
        return "must contain a visible character"
    return None
