"""boto3 clients, created lazily and cached per process (clients are thread-safe; lookups never are)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3.session
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config

from functions.data.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)
# The local moto server (quollo serve, the tests) answers one request at a time: on a busy machine a
# request waits behind the others past 5 s, and a timed-out retry of a transaction moto already
# committed is work done twice. DynamoDB itself answers within the 5 s.
_LOCAL = Config(read_timeout=60)


def _config() -> Config:
    return _CONFIG.merge(_LOCAL) if settings().endpoint_url else _CONFIG


@cache
def session() -> boto3.session.Session:
    """The one session every client and signature of this process uses.

    A client on a session of its own costs 76-153 ms at a cold start (the session loads its data
    loaders and credential chain again); a second client on the same session 7-12 ms.
    """
    return boto3.session.Session()


@cache
def dynamodb() -> DynamoDBClient:
    return session().client("dynamodb", config=_config())


@cache
def s3() -> S3Client:
    # Path-style addressing when an endpoint is configured (the local moto server has no DNS per bucket).
    style = "path" if settings().endpoint_url else "virtual"
    s3_config = Config(signature_version="s3v4", s3={"addressing_style": style})  # type: ignore[arg-type]
    return session().client("s3", config=_config().merge(s3_config))


@cache
def secrets_manager() -> SecretsManagerClient:
    return session().client("secretsmanager", config=_config())


def build_clients() -> None:
    """Create every client now, for a SnapStart snapshot to hold.

    botocore opens no connection until a client's first call, so nothing stale is frozen; and
    credentials are resolved when a request is signed, after the restore.
    """
    dynamodb()
    s3()
    secrets_manager()
    sqs()


@cache
def events() -> Any:
    """EventBridge (typed Any: the project installs no mypy_boto3_events stubs)."""
    return session().client("events", config=_config())


@cache
def sqs() -> SQSClient:
    return session().client("sqs", config=_config())


_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

# DynamoDB numbers carry at most 38 significant digits; a string of at most 38 ASCII digits (and an
# optional minus sign) is an integer TypeDeserializer reads exactly, so int() of it is the same value.
_MAX_DIGITS = 38


def metadata_text(metadata: dict[str, Any] | None) -> str | None:
    """An interview's, candidate's or job's metadata as stored: JSON text, returned as given, floats
    included, and never queried (here rather than in data/interviews.py, so that the talent routes do not
    import the interviews' data module: decisions 31)."""
    return None if metadata is None else json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in values.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    # Most attributes are strings: read here, without a call each (see `_attribute`).
    return {name: value["S"] if len(value) == 1 and "S" in value else _attribute(value) for name, value in item.items()}


def to_value(value: Any) -> dict[str, Any]:
    return dict(_serializer.serialize(value))


def _attribute(value: Mapping[str, Any]) -> Any:
    """One attribute value as TypeDeserializer reads it, then made plain (see `_plain`).

    Hand-written for the types our items hold (S, N, BOOL, M, L, NULL) because it runs for every
    attribute of every item read: a list page of 20 interviews is about 270 values, and
    TypeDeserializer's per-value getattr dispatch and Decimal, then `_plain`'s walk, were the largest
    share of the warm list request (bench/overhead.py). Every other type, and any value that is not
    a single-key mapping, goes to TypeDeserializer itself, which also raises its own errors.
    """
    if len(value) == 1:
        ((kind, raw),) = value.items()
        if kind == "S" or kind == "BOOL":
            return raw
        if kind == "N":
            return _number(raw)
        if kind == "M":
            return {name: _attribute(inner) for name, inner in raw.items()}
        if kind == "L":
            return [_attribute(inner) for inner in raw]
        if kind == "NULL":
            return None
    # The stubs' TypedDict names the known types only; the reading of any other shape is boto3's to decide.
    return _plain(_deserializer.deserialize(value))  # type: ignore[arg-type]


def _number(text: str) -> Any:
    unsigned = text[1:] if text[:1] == "-" else text
    if len(unsigned) <= _MAX_DIGITS and unsigned.isascii() and unsigned.isdigit():
        return int(text)
    return _plain(_deserializer.deserialize({"N": text}))


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; our numbers are integers or JSON scores."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
