"""Rules for the short texts a person reads back: titles and names (not free-form metadata)."""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls and DEL: they reach terminals, logs and ATS screens unchanged (ESC sequences,
# NUL truncation), and no title or name needs one. metadata, the caller's own JSON, keeps them.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Characters that render as nothing and that a pattern can list: the default-ignorable ones of the
# Basic Multilingual Plane (soft hyphen, zero-width and bidirectional marks, word joiners, variation
# selectors, Hangul fillers, the byte order mark) and U+2800 BRAILLE PATTERN BLANK.
BLANK_PATTERN_CLASS = (
    r"\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
)
# The same rule for the OpenAPI document and its readers (ECMA-262 syntax, which has no Unicode
# categories without the u flag, nor has Python's re): no control character, and at least one that is
# neither white space nor one of the blank characters above. text_problem, the rule itself, also
# finds blank the other format, private-use and unassigned characters (hundreds of ranges).
PLAIN_TEXT_PATTERN = (
    r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f" + BLANK_PATTERN_CLASS + r"][^\x00-\x1f\x7f-\x9f]*$"
)


# A character is visible when its general category is a letter, mark, number, punctuation or symbol
# (not a separator, control, format, surrogate, private-use or unassigned one), unless Unicode says it
# renders as nothing. The standard library has the categories but not the Default_Ignorable_Code_Point
# property (DerivedCoreProperties.txt), so the few default-ignorable characters outside the
# categories above are listed here: combining grapheme joiner, Hangul fillers (U+115F, U+1160, U+3164,
# U+FFA0, category Lo), Khmer inherent vowels, Mongolian variation selectors, variation selectors.
# U+2800 BRAILLE PATTERN BLANK (So) is neither ignorable nor white space, yet renders blank: it is the
# usual "invisible name" in chat apps, so it is listed too.
_VISIBLE_CATEGORIES = frozenset("LMNPS")
_BLANK_RANGES = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x2800, 0x2800),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xE0100, 0xE01EF),
)


def is_visible(char: str) -> bool:
    """Whether `char` shows something on its own (a letter, a digit, a mark, a sign), not blank or nothing."""
    if unicodedata.category(char)[0] not in _VISIBLE_CATEGORIES:
        return False
    point = ord(char)
    return not any(low <= point <= high for low, high in _BLANK_RANGES)


def text_problem(value: str) -> str | None:
    """What is wrong with `value` as a title or name, in the API's words, or None."""
    if _CONTROL_CHARACTERS.search(value):
        return "must not contain control characters"
    if not any(is_visible(char) for char in value):
        return "must contain a visible character"
    return None
