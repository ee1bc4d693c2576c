"""Post-processing's AWS side: events on the stack's EventBridge bus, and its dead-letter queue."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from functions.data.aws import events, sqs
from functions.data.settings import settings


class NotPublished(Exception):
    """EventBridge refused the event (PutEvents answers 200 with a failed entry)."""


def publish(source: str, detail_type: str, detail: dict[str, Any]) -> str:
    """Put one event on the stack's bus; its EventBridge id."""
    reply = events().put_events(
        Entries=[
            {
                "EventBusName": settings().event_bus,
                "Source": source,
                "DetailType": detail_type,
                "Detail": json.dumps(detail, ensure_ascii=False, separators=(",", ":")),
            }
        ]
    )
    [entry] = reply["Entries"]
    if reply.get("FailedEntryCount") or "EventId" not in entry:
        raise NotPublished(f"{detail_type} was not published: {entry.get('ErrorCode')} {entry.get('ErrorMessage')}")
    return str(entry["EventId"])


@cache
def dead_letter_queue() -> str:
    """The stack passes the URL; locally it is looked up by name, once per process."""
    name_or_url = settings().processing_dlq
    if name_or_url.startswith(("https://", "http://")):
        return name_or_url
    return sqs().get_queue_url(QueueName=name_or_url)["QueueUrl"]


def dead_letter(body: str, reason: str) -> None:
    """Keep a message post-processing cannot use, with why, for an operator (docs/runbook.md)."""
    sqs().send_message(
        QueueUrl=dead_letter_queue(),
        MessageBody=body,
        MessageAttributes={"reason": {"DataType": "String", "StringValue": reason[:1000] or "invalid"}},
    )
