"""`quollo serve --state DIR`: the local server's data, kept across restarts.

moto keeps everything in memory. With `--state`, the server writes every table's items, the
recordings, the cursor-signing key and the webhook queues' messages (queued retries included) to
DIR when it stops (Ctrl-C or SIGTERM) and loads them when it starts, so an exported token, an
interview id, a cursor or a webhook retry from the last run still works. Items are kept in
DynamoDB's own JSON (what Scan returns and BatchWriteItem takes), so nothing is lost to a conversion.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from functions.data import schema
from functions.data.aws import dynamodb, s3, secrets_manager, sqs
from functions.data.settings import settings
from functions.data.webhook_queue import MAX_DELAY_SECONDS

FORMAT = 1
_INDEX = "state.json"
_OBJECTS = "objects"
_BATCH = 25  # BatchWriteItem's limit


class StateError(Exception):
    """The state directory cannot be read or written; the message names the path."""


def _scan(table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = dynamodb().scan(**params)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _object_keys() -> list[str]:
    keys: list[str] = []
    for page in s3().get_paginator("list_objects_v2").paginate(Bucket=settings().records_bucket):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return keys


def _queues() -> dict[str, str]:
    return {"deliveries": settings().webhook_queue, "deadLetters": settings().webhook_dlq}


def _messages(name: str) -> list[dict[str, Any]]:
    """Every message of the local queue `name`, with when it may be received (epoch seconds).

    Read from moto's queue object, not over the SQS API: ReceiveMessage hands out neither a delayed
    message (a retry waiting out its delay) nor one in flight or hidden until due, and those are the
    ones a restart must keep. moto runs in this process (functions/local/moto_server.py).
    """
    from moto.sqs.models import sqs_backends

    url = sqs().get_queue_url(QueueName=name)["QueueUrl"]
    account = url.rstrip("/").split("/")[-2]
    queue = sqs_backends[account][sqs().meta.region_name].get_queue(name)
    with queue._messages_lock:
        held = list(queue._messages)
    return [{"body": m.body, "visibleAt": max(m.visible_at, m.delayed_until) / 1000} for m in held]


def _requeue(name: str, messages: list[dict[str, Any]]) -> None:
    """Send the saved messages again, each delayed until it was due (SQS delays stop at 15 minutes; a
    webhook retry received before its time is hidden again by the delivery, as on AWS)."""
    url = sqs().get_queue_url(QueueName=name)["QueueUrl"]
    now = time.time()
    for message in messages:
        delay = min(MAX_DELAY_SECONDS, max(0, math.ceil(float(message["visibleAt"]) - now)))
        sqs().send_message(QueueUrl=url, MessageBody=message["body"], DelaySeconds=delay)


def save(directory: Path) -> dict[str, int]:
    """Write the whole local data set to `directory`; returns how many items each table held."""
    bucket = settings().records_bucket
    tables = {spec.key: _scan(settings().table(spec)) for spec in schema.TABLES}
    queues = {key: _messages(name) for key, name in _queues().items()}
    objects = []
    try:
        (directory / _OBJECTS).mkdir(parents=True, exist_ok=True)
        for number, key in enumerate(_object_keys()):
            found = s3().get_object(Bucket=bucket, Key=key)
            # Numbered files: object keys hold user ids and slashes, never trusted as paths.
            (directory / _OBJECTS / f"{number}.bin").write_bytes(found["Body"].read())
            objects.append({"key": key, "file": f"{number}.bin", "contentType": found.get("ContentType")})
        index = {
            "format": FORMAT,
            "tables": tables,
            "objects": objects,
            "queues": queues,
            "cursorSecret": secrets_manager().get_secret_value(SecretId=settings().cursor_secret)["SecretString"],
        }
        # Written to a temporary file and renamed: a crash mid-write leaves the previous state whole.
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".state-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(index, out, ensure_ascii=False)
        os.replace(temporary, directory / _INDEX)
    except OSError as exc:
        raise StateError(f"cannot write the state to {directory}: {exc.strerror or exc}") from exc
    return {key: len(items) for key, items in tables.items()} | {key: len(kept) for key, kept in queues.items()}


def load(directory: Path) -> dict[str, int] | None:
    """Load a state written by `save` into the (empty, provisioned) local endpoint; None when there is none."""
    path = directory / _INDEX
    if not path.exists():
        return None
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StateError(f"cannot read the state in {path}: {exc}") from exc
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise StateError(f"{path} is not a state this version of quollo serve wrote (format {FORMAT})")
    counts: dict[str, int] = {}
    for spec in schema.TABLES:
        items = index["tables"].get(spec.key, [])
        for start in range(0, len(items), _BATCH):
            requests: Any = [{"PutRequest": {"Item": item}} for item in items[start : start + _BATCH]]
            pending = {settings().table(spec): requests}
            while pending:
                pending = dynamodb().batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        counts[spec.key] = len(items)
    for entry in index["objects"]:
        try:
            body = (directory / _OBJECTS / Path(entry["file"]).name).read_bytes()
        except OSError as exc:
            raise StateError(f"cannot read a recording of the state in {directory}: {exc.strerror}") from exc
        extra = {"ContentType": entry["contentType"]} if entry.get("contentType") else {}
        s3().put_object(Bucket=settings().records_bucket, Key=entry["key"], Body=body, **extra)
    secrets_manager().put_secret_value(SecretId=settings().cursor_secret, SecretString=index["cursorSecret"])
    for key, name in _queues().items():  # absent from a state saved before queues were kept
        kept = index.get("queues", {}).get(key, [])
        _requeue(name, kept)
        counts[key] = len(kept)
    return counts
