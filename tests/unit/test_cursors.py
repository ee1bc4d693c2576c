"""Cursors as pure rules: they round-trip, are bound to their owner and list, and show nothing of our schema.

The cursor key is read from Secrets Manager; botocore's Stubber answers that one read.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from botocore.stub import Stubber

from functions.data import aws, secrets
from functions.domain import cursors
from functions.models.errors import ValidationFailed

KEY = {"ownerId": "usr_5f0c1d", "createdKey": "2026-05-18T10:02:14.000Z#iv_1", "sk": "INTERVIEW#iv_1"}


@pytest.fixture(autouse=True)
def _cursor_secret() -> Iterator[None]:
    secrets.forget()
    aws.secrets_manager.cache_clear()
    with Stubber(aws.secrets_manager()) as stub:
        stub.add_response("get_secret_value", {"SecretString": "a cursor secret for tests"})
        yield
    secrets.forget()
    aws.secrets_manager.cache_clear()


def test_a_cursor_round_trips_and_the_same_page_always_gets_the_same_cursor() -> None:
    cursor = cursors.encode(KEY, "usr_5f0c1d", "interviews")
    assert cursor is not None
    assert cursors.decode(cursor, "usr_5f0c1d", "interviews") == KEY
    assert cursors.encode(KEY, "usr_5f0c1d", "interviews") == cursor
    assert cursors.encode(None, "usr_5f0c1d", "interviews") is None
    assert cursors.decode(None, "usr_5f0c1d", "interviews") is None


def test_a_cursor_shows_no_table_key_or_internal_id() -> None:
    cursor = cursors.encode(KEY, "usr_5f0c1d", "interviews")
    assert cursor is not None
    readable = cursor + "".join(
        base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("latin-1") for part in cursor.split(".")
    )
    for secret in ("ownerId", "createdKey", "sk", "usr_5f0c1d", "INTERVIEW", "iv_1"):
        assert secret not in readable


@pytest.mark.parametrize(("owner", "scope"), [("usr_other", "interviews"), ("usr_5f0c1d", "interviews?status=PENDING")])
def test_a_cursor_is_refused_by_another_user_or_on_another_list(owner: str, scope: str) -> None:
    cursor = cursors.encode(KEY, "usr_5f0c1d", "interviews")
    with pytest.raises(ValidationFailed, match="cursor"):
        cursors.decode(cursor, owner, scope)


def _flip(text: str, at: int) -> str:
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


def test_an_edited_truncated_or_made_up_cursor_is_a_400_never_a_crash() -> None:
    cursor = cursors.encode(KEY, "usr_5f0c1d", "interviews")
    assert cursor is not None
    body, _, tag = cursor.partition(".")
    for bad in (
        _flip(cursor, 3),
        _flip(cursor, len(cursor) - 3),
        body,
        f"{body}.",
        f".{tag}",
        cursor[:-4],
        "garbage",
        "",
        "%%%.%%%",
    ):
        with pytest.raises(ValidationFailed, match="cursor"):
            cursors.decode(bad, "usr_5f0c1d", "interviews")
