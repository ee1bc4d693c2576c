"""The two halves of webhook delivery: the fan-out (a change -> one queued delivery per subscribed
endpoint) and the delivery (one signed POST; a failure is re-queued on the retry schedule).

Both run as Lambda functions on AWS (the stream and the queue invoke them) and, unchanged, in the
background worker of `quollo serve` (functions/local/webhook_worker.py).
"""

from __future__ import annotations

import random
import uuid

from functions.data import events as events_store
from functions.data import webhook_http, webhook_queue
from functions.data import webhooks as store
from functions.data.settings import settings
from functions.domain import clock, webhook_events, webhook_signing, webhook_urls
from functions.domain.webhook_events import Change
from functions.domain.webhook_messages import Delivery
from functions.domain.webhook_targets import all_endpoints, delivery
from functions.models.entities.webhooks import DeliveryAttempt, Event, Webhook
from functions.models.errors import ValidationFailed
from functions.records import record

# After the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts over about 28 hours).
RETRY_SECONDS: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
JITTER = 0.1  # each delay is drawn within ±10% so that endpoints that failed together do not retry together
DISABLE_AFTER_SECONDS = 5 * 86400  # an endpoint failing every attempt for 5 days is disabled
# A retry is sent when due; SQS delays are whole seconds (the delay is rounded down), so a retry may
# arrive up to a second early: it is then hidden again until due, and only this slack is tolerated.
EARLY_SLACK_SECONDS = 0.05
# How long an attempt's claim holds against a second run of it: past the delivery Lambda's timeout
# (30 s), below the queue's visibility timeout (180 s) after which SQS hands a message out again. A
# run that died holding a claim is so taken over by the redelivery; a duplicate receive meanwhile is not.
CLAIM_LEASE_SECONDS = 60
# An event is recorded with its payload in one DynamoDB item (400 KB at most, attribute names included).
MAX_EVENT_BYTES = 350 * 1024


def retry_schedule() -> tuple[float, ...]:
    return settings().webhook_retry_seconds or RETRY_SECONDS


# --- fan-out ---


@record
class FanOut:
    queued: int
    oversized: int  # events over an item's size, deliveries over SQS's message size: dropped (the handler logs them)
    failed_at: int | None = None  # index of the first change not (fully) queued: retried from there
    error: Exception | None = None


def fan_out(changes: list[Change]) -> FanOut:
    """Record every event of the changes, then queue one delivery per event and subscribed, enabled
    endpoint of the interview's owner.

    Changes are taken in order; on a failure, every change before `failed_at` is recorded and queued
    and the caller retries from it (a repeated event rewrites the same record, and a repeated delivery
    carries the same webhook-id and is skipped by its claim).
    """
    endpoints: dict[str, list[Webhook]] = {}
    recorded: list[Event] = []
    recorded_from: list[int] = []  # the change each event comes from
    bodies: list[str] = []
    sources: list[int] = []  # the change each body comes from
    oversized = 0
    failed_at: int | None = None
    error: Exception | None = None
    for index, change in enumerate(changes):
        try:
            found_events = _events(change)
            found = _deliveries(found_events, endpoints)
        except Exception as exc:  # any failure: what came before is queued, the rest retried
            failed_at, error = index, exc
            break
        for event in found_events:
            if len(event.body.encode()) > MAX_EVENT_BYTES:
                oversized += 1
                continue
            recorded.append(event)
            recorded_from.append(index)
        for body in found:
            if len(body.encode()) > webhook_queue.MAX_MESSAGE_BYTES:
                oversized += 1
                continue
            bodies.append(body)
            sources.append(index)
    try:
        events_store.put_all(recorded)
    except events_store.NotRecorded as exc:
        cause = exc.__cause__
        failed_at, error = recorded_from[exc.first], cause if isinstance(cause, Exception) else exc
    if failed_at is not None:
        # Only the deliveries of changes whose events are all recorded: a receiver can look each one up.
        bodies = [body for body, source in zip(bodies, sources, strict=True) if source < failed_at]
        sources = sources[: len(bodies)]
    try:
        webhook_queue.send(bodies)
    except webhook_queue.NotQueued as exc:
        cause = exc.__cause__
        failed_at, error = sources[exc.first], cause if isinstance(cause, Exception) else exc
    queued = len(bodies) if failed_at is None else sum(1 for source in sources if source < failed_at)
    return FanOut(queued, oversized, failed_at, error)


def _events(change: Change) -> list[Event]:
    """The events of one change, recorded whether or not any endpoint receives them."""
    interview = change.new if change.new is not None else change.old
    if interview is None:
        return []
    return [
        Event(
            id=webhook_events.event_id(change, event_type),
            owner_id=interview.owner_id,
            type=event_type,
            timestamp=change.at,
            body=webhook_events.body(event_type, change),
        )
        for event_type in webhook_events.event_types(change)
    ]


def _deliveries(found: list[Event], endpoints: dict[str, list[Webhook]]) -> list[str]:
    """The queued bodies of one change's events: one per event and subscribed endpoint (endpoints cached per owner)."""
    bodies: list[str] = []
    for event in found:
        if event.owner_id not in endpoints:
            endpoints[event.owner_id] = all_endpoints(event.owner_id)
        targets = [hook for hook in endpoints[event.owner_id] if hook.enabled and event.type in hook.events]
        bodies += [delivery(event, hook).to_json() for hook in targets]
    return bodies


# --- delivery ---


class NotDue(Exception):
    """A retry received before its time: it was hidden again and must stay on the queue."""


@record
class Outcome:
    succeeded: bool
    status: int | None
    error: str | None
    duration_ms: int | None


def _attempt(delivery: Delivery, now: float) -> tuple[Webhook | None, Outcome]:
    webhook = store.get(delivery.owner_id, delivery.webhook_id)
    if webhook is None or not webhook.enabled:
        return webhook, Outcome(False, None, None, None)
    try:
        # Again at every send: the host may resolve elsewhere now than at registration (DNS rebinding).
        target = webhook_urls.check(webhook.url)
    except ValidationFailed as exc:
        return webhook, Outcome(False, None, exc.message, 0)
    headers = webhook_signing.headers(webhook, delivery.message_id, delivery.body, now)
    answer = webhook_http.post(target, headers, delivery.body.encode())
    succeeded = answer.status is not None and 200 <= answer.status < 300
    error = answer.error or (None if succeeded else f"HTTP {answer.status}")
    return webhook, Outcome(succeeded, answer.status, error, answer.duration_ms)


def deliver(delivery: Delivery, receipt_handle: str | None, now: float | None = None) -> None:
    """One attempt; a failure is re-queued for the next one, or dead-lettered after the last.

    Raises NotDue (after hiding the message again) when a retry arrives before its time.
    """
    now = clock.seconds() if now is None else now
    if delivery.not_before > now + EARLY_SLACK_SECONDS:
        if receipt_handle is not None:
            webhook_queue.hide(receipt_handle, delivery.not_before - now)
        raise NotDue()
    if not store.claim_attempt(delivery.webhook_id, delivery.claim_id, delivery.attempt, now, CLAIM_LEASE_SECONDS):
        return  # a duplicate receive, or a re-run of an attempt that was made: one attempt, one chain
    _follow_up(delivery, now)
    store.finish_attempt(delivery.webhook_id, delivery.claim_id, delivery.attempt)


def _follow_up(delivery: Delivery, now: float) -> None:
    """Send, log the attempt, then (only once it is logged) queue the next one or dead-letter it."""
    webhook, outcome = _attempt(delivery, now)
    if webhook is None or not webhook.enabled:
        return  # deleted or disabled since the event: it gets nothing more
    if outcome.succeeded:
        _log(delivery, "SUCCEEDED", outcome, None)
        if webhook.failing_since is not None:
            store.mark_healthy(webhook.owner_id, webhook.id)
        return
    first = delivery.first_attempt_at or now
    schedule = retry_schedule()
    gone = outcome.status == 410
    failing_too_long = webhook.failing_since is not None and now - webhook.failing_since >= DISABLE_AFTER_SECONDS
    if gone or failing_too_long:
        store.disable(webhook.owner_id, webhook.id, "answered 410 Gone" if gone else "failed every attempt for 5 days")
        _log(delivery, "FAILED", outcome, None)
        webhook_queue.dead_letter(delivery.to_json())
        return
    if webhook.failing_since is None:
        store.mark_failing(webhook.owner_id, webhook.id, now)
    if delivery.attempt > len(schedule):
        _log(delivery, "FAILED", outcome, None)
        webhook_queue.dead_letter(delivery.to_json())
        return
    base = schedule[delivery.attempt - 1]
    delay = base * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311 - jitter, not a secret
    due = now + delay
    _log(delivery, "FAILED", outcome, clock.iso_epoch(due))
    webhook_queue.send([delivery.retry(due, first).to_json()], delay_seconds=int(delay))


def _log(delivery: Delivery, status: str, outcome: Outcome, next_attempt_at: str | None) -> None:
    store.record_attempt(
        DeliveryAttempt(
            id=f"dlv_{uuid.uuid4().hex}",
            webhook_id=delivery.webhook_id,
            message_id=delivery.message_id,
            event_id=delivery.event_id,
            type=delivery.type,
            attempt=delivery.attempt,
            status=status,
            response_status=outcome.status,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
            created_at=clock.now(),
            next_attempt_at=next_attempt_at,
        )
    )
