"""docs/api.md's event table lists exactly the events a receiver can get."""

from __future__ import annotations

import re
from pathlib import Path

from functions.models.vocabulary import PING
from functions.models.webhooks_api import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]


def test_the_event_table_lists_every_event_type_and_the_ping() -> None:
    page = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    table = page.split("| event | when | `data` |", 1)[1].split("\n\n", 1)[0]
    assert set(re.findall(r"^\| `([a-z.]+)` \|", table, re.MULTILINE)) == {*EVENT_TYPES, PING}
