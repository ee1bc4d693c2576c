"""`quollo smoke`: a short, safe black-box check of a running API, over HTTP only.

Run after every deploy (docs/deploy.md) and against `quollo serve` in the tests. It needs a token
of a user with at least one plan and nothing else: it lists plans, creates a *test* interview
(which debits no credit, docs/api.md), reads it, deletes it and checks it is gone; given a receiver
URL, it registers a webhook there, pings it, waits for the delivery log to show the attempt and
deletes the webhook. Whatever it created is deleted even when a later step fails.

It prints one line per step passed; a failure is one line on stderr naming the step, and the exit
status is 1. The token is never printed: it is sent in the Authorization header only, and any text
echoed back (an error message) has it masked.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# The exit status when a step fails (2 stays argparse's, for a command line it refused).
FAILED = 1
SMOKE_TITLE = "quollo smoke test"


class StepFailed(Exception):
    """A step's answer was not what the API documents; the message says what came instead."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # the JSON body, or None when it was not JSON


@dataclass
class Smoke:
    """One run against `base` with `token`; `say` gets each progress line (stdout by default)."""

    base: str
    token: str
    receiver: str | None = None
    timeout: float = 30  # per request: API Gateway's own limit is 29 s
    wait: float = 60  # for the ping's delivery attempt to appear in the log
    say: Callable[[str], None] = print
    created: list[str] = field(default_factory=list, init=False)  # paths to DELETE when the run ends
    plan_id: str = field(default="", init=False)
    interview_id: str = field(default="", init=False)
    webhook_id: str = field(default="", init=False)

    def __post_init__(self) -> None:
        # The ApiUrl output ends with a slash; the paths below start with one.
        self.base = self.base.rstrip("/")

    # --- HTTP ---------------------------------------------------------------------------------
    def call(self, method: str, path: str, body: dict[str, Any] | None = None, **headers: str) -> Answer:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - the operator's own API URL, checked for http(s)
            self.base + path, data=data, method=method
        )
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in headers.items():
            request.add_header(name.replace("_", "-"), value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - as above
                return Answer(response.status, _json(response.read()))
        except urllib.error.HTTPError as error:  # a status outside 2xx: the body says why
            return Answer(error.code, _json(error.read()))
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise StepFailed(f"{method} {path}: no answer from {self.base}: {reason}") from None

    def expect(self, answer: Answer, status: int, what: str) -> dict[str, Any]:
        if answer.status != status or not isinstance(answer.body, dict):
            raise StepFailed(f"{what}: expected HTTP {status}, got {answer.status}{_error(answer.body)}")
        return answer.body

    # --- the steps ----------------------------------------------------------------------------
    def run(self) -> None:
        """Every step in order; raises StepFailed (its step named) after cleaning up."""
        step = ""
        try:
            for step, action in self.steps():
                started = time.monotonic()
                detail = action()
                self.say(f"ok   {step} ({(time.monotonic() - started) * 1000:.0f} ms){detail}")
        except StepFailed as failure:
            raise StepFailed(f"{step}: {failure}") from None
        finally:
            self.clean_up()

    def steps(self) -> list[tuple[str, Callable[[], str]]]:
        steps: list[tuple[str, Callable[[], str]]] = [
            ("list plans", self.list_plans),
            ("create test interview", self.create_interview),
            ("read interview", self.read_interview),
            ("delete interview", self.delete_interview),
            ("interview gone", self.interview_gone),
        ]
        if self.receiver:
            steps += [
                ("register webhook", self.register_webhook),
                ("ping webhook", self.ping_webhook),
                ("ping delivered", self.ping_delivered),
                ("delete webhook", self.delete_webhook),
            ]
        return steps

    def list_plans(self) -> str:
        plans = self.expect(self.call("GET", "/v1/plans?limit=1"), 200, "GET /v1/plans")
        items = plans.get("items")
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            raise StepFailed("the token's user has no plan: a test interview needs one (quollo admin create-plan)")
        self.plan_id = str(items[0]["id"])
        return f": plan {self.plan_id}"

    def create_interview(self) -> str:
        body = {"title": SMOKE_TITLE, "planId": self.plan_id, "intervieweeName": "Smoke Test", "isTest": True}
        # A retry of this run's create (a timeout, say) replays the first answer instead of a second interview.
        answer = self.call("POST", "/v1/interviews", body, Idempotency_Key=f"smoke-{uuid.uuid4()}")
        created = self.expect(answer, 201, "POST /v1/interviews")
        self.interview_id = str(created["id"])
        self.created.append(f"/v1/interviews/{self.interview_id}")
        if created.get("isTest") is not True:
            raise StepFailed(f"interview {self.interview_id} came back with isTest {created.get('isTest')!r}")
        return f": {self.interview_id}"

    def read_interview(self) -> str:
        path = f"/v1/interviews/{self.interview_id}"
        read = self.expect(self.call("GET", path), 200, f"GET {path}")
        interview = read.get("interview") or {}
        if interview.get("id") != self.interview_id or interview.get("title") != SMOKE_TITLE:
            raise StepFailed(f"GET {path} answered another interview: {interview.get('id')!r}")
        return f": {interview.get('status')}, record {(read.get('record') or {}).get('status')}"

    def delete_interview(self) -> str:
        path = f"/v1/interviews/{self.interview_id}"
        deleted = self.expect(self.call("DELETE", path), 200, f"DELETE {path}")
        self.created.remove(path)
        if deleted.get("deleted") is not True or deleted.get("refunded") is not False:
            raise StepFailed(f"DELETE {path} answered {deleted} (a test interview is deleted without a refund)")
        return ""

    def interview_gone(self) -> str:
        path = f"/v1/interviews/{self.interview_id}"
        answer = self.call("GET", path)
        if answer.status != 404:
            raise StepFailed(f"GET {path} after the delete: expected HTTP 404, got {answer.status}")
        return ""

    def register_webhook(self) -> str:
        # Pings are always sent. interview.started is an event this run never causes (a test interview is
        # born FINISHED), so the receiver gets the ping alone, not this run's interview events, which
        # the stream may fan out after the registration.
        body = {"url": self.receiver, "events": ["interview.started"]}
        created = self.expect(self.call("POST", "/v1/webhooks", body), 201, "POST /v1/webhooks")
        self.webhook_id = str(created["id"])
        self.created.append(f"/v1/webhooks/{self.webhook_id}")
        return f": {self.webhook_id}"

    def ping_webhook(self) -> str:
        path = f"/v1/webhooks/{self.webhook_id}/ping"
        queued = self.expect(self.call("POST", path), 202, f"POST {path}")
        return f": {queued.get('messageId')}"

    def ping_delivered(self) -> str:
        """The first attempt to deliver the ping, from the delivery log: it must have succeeded."""
        path = f"/v1/webhooks/{self.webhook_id}/deliveries?limit=20"
        until = time.monotonic() + self.wait
        while True:
            listed = self.expect(self.call("GET", path), 200, f"GET {path}")
            pings = [item for item in listed.get("items") or [] if item.get("type") == "webhook.ping"]
            if pings:
                first = min(pings, key=lambda item: int(item.get("attempt") or 0))
                if first.get("status") != "SUCCEEDED":
                    why = first.get("error") or f"HTTP {first.get('responseStatus')}"
                    raise StepFailed(f"the receiver did not take the ping: {why}")
                return f": HTTP {first.get('responseStatus')} in {first.get('durationMs')} ms"
            if time.monotonic() >= until:
                raise StepFailed(f"no delivery attempt of the ping within {self.wait:g} s")
            time.sleep(1)  # a poll a second stays far inside the token's 120 requests a minute

    def delete_webhook(self) -> str:
        path = f"/v1/webhooks/{self.webhook_id}"
        self.expect(self.call("DELETE", path), 200, f"DELETE {path}")
        self.created.remove(path)
        return ""

    def clean_up(self) -> None:
        """Delete what a failed run left behind; a failure here is reported, never raised."""
        for path in reversed(self.created):
            try:
                answer = self.call("DELETE", path)
            except StepFailed as failure:
                self.say(f"left {path}: {failure}")
                continue
            self.say(f"{'cleaned up' if answer.status in (200, 404) else 'left'} {path} (HTTP {answer.status})")
        self.created.clear()


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _error(body: Any) -> str:
    """`: code: message` from our error body, or nothing (an HTML page from a proxy says nothing useful)."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return f": {error.get('code')}: {error.get('message')}"
    if isinstance(body, dict) and "message" in body:  # API Gateway's own answers ({"message": ...})
        return f": {body['message']}"
    return ""


def run(base: str, token: str, receiver: str | None, timeout: float, wait: float) -> tuple[int, str | None]:
    """Exit status and, on failure, the one line for stderr (the token masked in it)."""
    if not base.startswith(("http://", "https://")):
        return FAILED, f"--base must be an http(s) URL, not {base!r}"
    smoke = Smoke(base, token, receiver, timeout, wait, say=lambda line: print(_masked(line, token), flush=True))
    try:
        smoke.run()
    except StepFailed as failure:
        return FAILED, _masked(str(failure), token)
    print("smoke: every step passed", flush=True)
    return 0, None


def _masked(text: str, token: str) -> str:
    return text.replace(token, "qlo_live_***") if token else text
