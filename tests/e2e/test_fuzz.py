"""Schemathesis against `quollo serve`, generated from the committed spec (docs/openapi.json).

Every operation gets schema-valid and schema-violating requests, a bounded number of each so CI
stays quick. Each response must be no 5xx and must match the spec: a documented status, content
type, headers and body shape. tests/unit/test_openapi.py keeps the committed spec identical to
the one the server publishes.

Schemathesis' own pytest plugin (`schema.parametrize`) reads a pytest-internal attribute that
pytest 9 removed, so the cases are drawn from its Hypothesis strategies instead.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import schemathesis
from e2e_support import Server, start_server, stop_server
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from functions.models.text import PLAIN_TEXT_PATTERN, text_problem
from testkit.accounts import Account

SPEC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
SCHEMA = schemathesis.openapi.from_dict(json.loads(SPEC.read_text()))
type Operation = schemathesis.APIOperation[Any, Any, Any, Any]
type FuzzCase = schemathesis.Case[Operation]
# Each result is Ok or Err (an operation schemathesis cannot read); an Err has no .ok(), so it fails collection here.
OPERATIONS = [cast("Ok[Operation]", result).ok() for result in SCHEMA.get_all_operations()]

# derandomize: the same cases on every run, so CI never goes red on a new draw; the budget is
# per operation and per mode: 23 operations x 2 modes x EXAMPLES requests in all.
EXAMPLES = 30


@pytest.fixture(scope="module")
def room_server() -> Iterator[Server]:
    """The room's operations get a server of their own: their wrong pins and room tokens count against
    the client's address (decision 29), and past 30 a minute every unauthenticated request from it
    answers 429, so fuzzing them beside the other operations would make those answer 429 too."""
    running = start_server(None)
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def fuzz_account(server: Server) -> Account:
    return server.new_account(credits=100_000, name="Fuzzer")


@pytest.fixture(scope="module")
def room_fuzz_account(room_server: Server) -> Account:
    return room_server.new_account(credits=100_000, name="Room fuzzer")


def _meaningful(case: FuzzCase, server: Server, account: Account, ids: dict[str, str]) -> None:
    """Valid data where the schema cannot say what valid is, so positive cases reach the happy path.

    A plan must be the caller's, an id must exist, a cursor is opaque and a schedule time must lie in
    the next 30 days: a random schema-valid value is rightly a 400 or 404 for those.
    """
    body: Any = case.body
    webhooks = case.operation.path.startswith("/v1/webhooks")
    # Each case of these two may leave a webhook behind (a create; a DELETE whose own is refused).
    if webhooks and ((case.method.upper(), case.path) == ("POST", "/v1/webhooks") or _deletes(case)):
        _make_room_for_a_webhook(server, account)
    if isinstance(body, dict):
        if webhooks and "url" in body:
            # A receiver that refuses at once (nothing listens on the discard port): a URL the rules
            # accept under `quollo serve`, whose deliveries fail fast instead of waiting on a network.
            body["url"] = LOCAL_RECEIVER
        if "planId" in body:
            body["planId"] = account.plan_id
        if body.get("scheduleTime") is not None:
            body["scheduleTime"] = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        _meaningful_links(case, body)
        _visible_texts(body)
    if case.query:
        case.query.pop("cursor", None)
        # One filter at a time: no index has two of them (the spec cannot say "one of").
        filters = [name for name in ("status", "candidateId", "externalId", "jobId") if name in case.query]
        for extra in filters[1:]:
            case.query.pop(extra)
    if case.headers and any(name.lower() == "idempotency-key" for name in case.headers):
        # Derandomized draws repeat keys; a reused key with another body is rightly a 422.
        # A plain dict, as schemathesis' documented auth examples assign one; it annotates Case.headers
        # as requests' CaseInsensitiveDict only.
        case.headers = {k: v for k, v in case.headers.items() if k.lower() != "idempotency-key"}  # type: ignore[assignment]
        case.headers["Idempotency-Key"] = f"fuzz-{uuid.uuid4()}"
    if case.path_parameters and "id" in case.path_parameters:
        # A DELETE gets an object of its own; the other cases of an operation share one, made at its
        # first case: creating one per case was most of the positive cases' requests.
        if _deletes(case):
            case.path_parameters["id"] = _existing(case.path, server, account)
        else:
            if "id" not in ids:
                if webhooks:
                    _make_room_for_a_webhook(server, account)
                ids["id"] = _existing(case.path, server, account)
            case.path_parameters["id"] = ids["id"]


def _deletes(case: FuzzCase) -> bool:
    return case.method.upper() == "DELETE"


def _meaningful_links(case: FuzzCase, body: dict[str, Any]) -> None:
    """Candidate and job ids must be the caller's, and create's XOR rules are beyond the schema."""
    if "jobIds" in body:
        body["jobIds"] = []
    if case.path == "/v1/interviews":
        body.pop("candidateId", None)
        body.pop("jobId", None)
        if isinstance(body.get("candidate"), dict):
            body["candidate"].pop("jobId", None)
        if body.get("candidate") is None and body.get("intervieweeName") is None:
            body["intervieweeName"] = "Fuzz Candidate"
    elif case.path == "/v1/interviews/{id}":
        for name in ("candidateId", "jobId"):
            if name in body:
                body[name] = None


def _existing(path: str, server: Server, account: Account) -> str:
    """An id of the caller's for the path: an interview, a webhook, a candidate or a job."""
    if path.startswith("/v1/interviews"):
        created = server.create_interview(account)
    elif path.startswith("/v1/webhooks"):
        created = server.request("POST", "/v1/webhooks", account.token, json={"url": LOCAL_RECEIVER})
    elif path.startswith("/v1/candidates"):
        created = server.request("POST", "/v1/candidates", account.token, json={"name": "Fuzz"})
    else:
        created = server.request("POST", "/v1/jobs", account.token, json={"title": "Fuzz"})
    assert created.status_code == 201, created.text
    created_id: str = created.json()["id"]
    return created_id


LOCAL_RECEIVER = "http://127.0.0.1:9/hook"


def _visible_texts(body: dict[str, Any]) -> None:
    """A title or name the spec's pattern allows that the rule refuses becomes a visible one. The
    pattern (ECMA-262 without Unicode categories) cannot name the private-use and unassigned
    characters that text_problem finds blank (functions/models/text.py says so); the rule itself is
    held by its unit tests."""
    for name, value in body.items():
        if isinstance(value, dict):
            _visible_texts(value)
        elif isinstance(value, str) and re.fullmatch(PLAIN_TEXT_PATTERN, value) and text_problem(value):
            body[name] = "Fuzz"


def _unambiguous(case: FuzzCase) -> None:
    """A query value mutated into a one-item array goes on the wire as that one value: for a free
    string (`externalId=false`) it is a valid request, not the invalid one schemathesis meant. Sent
    twice, it is what was meant: a repeated parameter, which the API refuses."""
    for name, value in (case.query or {}).items():
        if isinstance(value, list) and len(value) == 1:
            case.query[name] = [value[0], value[0]]
        elif isinstance(value, list) and not value:
            # An empty array is not sent at all, which leaves a valid request; an empty value is refused.
            case.query[name] = [""]


def _make_room_for_a_webhook(server: Server, account: Account) -> None:
    """Webhooks are capped per user: delete the fuzzer's before each case that may create one."""
    listed = server.request("GET", "/v1/webhooks?limit=100", account.token)
    assert listed.status_code == 200, listed.text
    for hook in listed.json()["items"]:
        server.request("DELETE", f"/v1/webhooks/{hook['id']}", account.token)


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode), ids=lambda mode: mode.value)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}")
def test_every_operation_answers_within_its_spec(
    request: pytest.FixtureRequest, operation: Operation, mode: schemathesis.GenerationMode
) -> None:
    in_room = operation.path.startswith("/v1/rooms/")
    server: Server = request.getfixturevalue("room_server" if in_room else "server")
    fuzz_account: Account = request.getfixturevalue("room_fuzz_account" if in_room else "fuzz_account")
    auth = {"Authorization": f"Bearer {fuzz_account.token}"}
    ids: dict[str, str] = {}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True
    )
    def fuzz(case: FuzzCase) -> None:
        if mode is schemathesis.GenerationMode.POSITIVE:
            _meaningful(case, server, fuzz_account, ids)
        else:
            _unambiguous(case)
        case.call_and_validate(base_url=server.base_url, headers=auth)

    fuzz()
