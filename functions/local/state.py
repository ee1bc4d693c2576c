"""`quollo serve --state DIR`: the local server's data, kept across restarts.

moto keeps everything in memory. With `--state`, the server writes every table's items, the
recordings and the cursor-signing key to DIR when it stops (Ctrl-C or SIGTERM) and loads them
when it starts, so an exported token, an interview id or a cursor from the last run still works.
Items are kept in DynamoDB's own JSON (what Scan returns and BatchWriteItem takes), so nothing is
lost to a conversion.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from functions.data import schema
from functions.data.aws import dynamodb, s3, secrets_manager
from functions.data.settings import settings

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


def save(directory: Path) -> dict[str, int]:
    """Write the whole local data set to `directory`; returns how many items each table held."""
    bucket = settings().records_bucket
    tables = {spec.key: _scan(settings().table(spec)) for spec in schema.TABLES}
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
            "cursorSecret": secrets_manager().get_secret_value(SecretId=settings().cursor_secret)["SecretString"],
        }
        # Written to a temporary file and renamed: a crash mid-write leaves the previous state whole.
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".state-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(index, out, ensure_ascii=False)
        os.replace(temporary, directory / _INDEX)
    except OSError as exc:
        raise StateError(f"cannot write the state to {directory}: {exc.strerror or exc}") from exc
    return {key: len(items) for key, items in tables.items()}


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
    return counts
