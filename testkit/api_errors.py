"""The API's error answer, checked as docs/api.md ("Errors") and the ErrorBody schema document it: the
one check of it for every suite, whatever carried the answer (the handlers in-process, `requests`, a raw
socket)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import requests

# The only `details` there are: a 409 `conflict` with an existing object names the field and its holder.
CONFLICT_DETAILS = frozenset({"field", "existingId"})


class Answer(Protocol):
    """An HTTP answer read by the tests themselves: functions.local.gateway.Reply, e2e_support.RawResponse."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str] | Iterable[tuple[str, str]]: ...

    @property
    def body(self) -> bytes: ...


def _parts(reply: requests.Response | Answer) -> tuple[int, list[str], bytes]:
    """Status, the Content-Type values sent, and the body."""
    if isinstance(reply, requests.Response):
        return reply.status_code, [v for k, v in reply.headers.items() if k.lower() == "content-type"], reply.content
    pairs = reply.headers.items() if isinstance(reply.headers, Mapping) else reply.headers
    return reply.status, [v for k, v in pairs if k.lower() == "content-type"], reply.body


def assert_error(reply: requests.Response | Answer, status: int, code: str) -> str:
    """Asserts that `reply` is our error answer with `status` and `code`, and returns its message.

    Exactly `{"error": {"code", "message"}}` as `application/json`, with a non-empty message; `details`
    (`{"field", "existingId"}`) only on a 409 `conflict`, and no key the reference does not document.
    """
    answered, content_types, raw = _parts(reply)
    assert answered == status, (answered, raw[:2000])
    assert content_types == ["application/json"], (content_types, raw[:2000])
    body: Any = json.loads(raw)
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict) and error.get("code") == code, body
    message = error.get("message")
    assert isinstance(message, str) and message, body
    if "details" in error:
        assert (status, code) == (409, "conflict"), f"details on a {status} {code}: {body}"
        details = error["details"]
        assert isinstance(details, dict) and set(details) == CONFLICT_DETAILS, body
        assert all(isinstance(value, str) and value for value in details.values()), body
    assert set(error) <= {"code", "message", "details"}, body
    return message
