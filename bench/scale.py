"""List pages against data size: one user with 100, 1,000 and 10,000 interviews, and a status
filter that matches 1% of the 10,000.

Items are written straight into the table with BatchWriteItem in the data layer's own item shape
(`functions.data.interviews._to_values` + `to_item`), which takes seconds instead of minutes.
Items read: moto's ConsumedCapacity is a constant, so the figure is the Query's ScannedCount
(items DynamoDB examined, what read capacity is charged on) next to the items in the page.
"""

from __future__ import annotations

import importlib
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import world
from bench.common import median, ms, percentile, progress
from testkit.accounts import Account
from testkit.aws_calls import counting

SIZES = (100, 1_000, 10_000)
PAGE = 20
RARE_STATUS = "IN_PROGRESS"  # 1% of the interviews of the largest user


def _interviews(owner_id: str, plan_id: str, count: int, rare_every: int | None) -> list[dict[str, Any]]:
    from functions.data import interviews as store
    from functions.data.aws import to_item
    from functions.domain.clock import iso
    from functions.models.entities.interviews import Interview, InterviewStatus

    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = []
    for i in range(count):
        at = iso(start + timedelta(seconds=i))
        rare = rare_every is not None and i % rare_every == 0
        interview = Interview(
            id=str(uuid.uuid4()),
            owner_id=owner_id,
            title=f"Backend engineer #{i}",
            plan_id=plan_id,
            pin=f"{i % 10_000:04d}",
            interviewee_name="Jane Doe",
            status=InterviewStatus(RARE_STATUS) if rare else InterviewStatus.PENDING,
            charged=True,
            created_at=at,
            updated_at=at,
            started_at=at if rare else None,
        )
        items.append(to_item(store._to_values(interview)))
    return items


def _batch_write(items: list[dict[str, Any]]) -> None:
    from functions.data.aws import dynamodb
    from functions.data.settings import settings

    table = settings().interviews_table
    for offset in range(0, len(items), 25):
        pending: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items[offset : offset + 25]]}
        while pending:
            pending = dynamodb().batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def measure(requests: int) -> dict[str, Any]:
    from functions.local.gateway import LocalContext

    handler = importlib.import_module("functions.entries.list_interviews").handler
    owners: dict[int, Account] = {}
    for size in SIZES:
        owners[size] = world.account(credits=0, name=f"Owner of {size}")
        started = time.monotonic()
        rare_every = 100 if size == max(SIZES) else None
        _batch_write(_interviews(owners[size].user_id, owners[size].plan_id, size, rare_every))
        progress(f"scale: {size} interviews written in {time.monotonic() - started:.1f}s")

    cases = [(f"{size}", size, owners[size], "") for size in SIZES]
    biggest = max(SIZES)
    cases.append((f"{biggest}, status={RARE_STATUS} (1%)", biggest, owners[biggest], f"&status={RARE_STATUS}"))
    results: dict[str, Any] = {"page_size": PAGE, "requests_per_case": requests, "cases": {}}
    for label, size, owner, extra in cases:
        query = f"limit={PAGE}{extra}"
        latencies: list[float] = []
        raw: list[float] = []
        observed: dict[str, Any] = {}
        for i in range(requests + 1):
            event = world.event("list_interviews", owner, query=query)
            with counting(new_clients=True) as counter:
                from functions.data.aws import dynamodb

                client = dynamodb()
                counter.attach(client)
                seen: dict[str, Any] = {}

                def params(params: dict[str, Any], seen: dict[str, Any] = seen, **_: Any) -> None:
                    seen["params"] = dict(params)

                def after(parsed: dict[str, Any], seen: dict[str, Any] = seen, **_: Any) -> None:
                    seen["parsed"] = parsed

                client.meta.events.register("provide-client-params.dynamodb.Query", params, unique_id="bench-p")
                client.meta.events.register("after-call.dynamodb.Query", after, unique_id="bench-a")
                try:
                    began = time.perf_counter()
                    response = handler(event, LocalContext(function_name="quollo-list_interviews"))
                    elapsed = time.perf_counter() - began
                finally:
                    client.meta.events.unregister("provide-client-params.dynamodb.Query", unique_id="bench-p")
                    client.meta.events.unregister("after-call.dynamodb.Query", unique_id="bench-a")
            if response["statusCode"] != 200:
                raise RuntimeError(f"list ({label}) answered {response['statusCode']}: {response['body']}")
            # The bare Query the route sends, straight to moto: what the store itself costs.
            began = time.perf_counter()
            client.query(**seen["params"])
            raw_elapsed = time.perf_counter() - began
            if i == 0:  # warm-up: the first request pays for the cursor secret
                import json

                page_items = len(json.loads(response["body"])["items"])
                sent = seen["params"]
                parsed = seen["parsed"]
                observed = {
                    "query_limit": sent.get("Limit"),
                    "filter_expression": "FilterExpression" in sent,
                    "index": sent.get("IndexName"),
                    "items_returned_by_dynamodb": parsed.get("Count"),
                    "items_examined_scanned_count": parsed.get("ScannedCount"),
                    "items_in_page": page_items,
                }
                continue
            latencies.append(elapsed)
            raw.append(raw_elapsed)
        results["cases"][label] = {
            "interviews": size,
            "median_ms": ms(median(latencies)),
            "p90_ms": ms(percentile(latencies, 90)),
            "raw_query_median_ms": ms(median(raw)),
            **observed,
        }
        progress(f"scale: list {label}: median {ms(median(latencies))} ms, {observed}")
    small, large = results["cases"][str(min(SIZES))], results["cases"][str(biggest)]
    results["ratio_largest_to_smallest"] = round(large["median_ms"] / small["median_ms"], 3)
    results["raw_query_ratio_largest_to_smallest"] = round(
        large["raw_query_median_ms"] / small["raw_query_median_ms"], 3
    )
    # What our code adds on top of the store: the part that does not depend on moto's Query.
    overhead = {k: v["median_ms"] - v["raw_query_median_ms"] for k, v in results["cases"].items()}
    results["handler_overhead_ms"] = {k: round(v, 2) for k, v in overhead.items()}
    results["target_ratio"] = 1.2
    return results
