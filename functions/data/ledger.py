"""The credit ledger (table `ledger`): one item per balance change, keyed by owner, newest first.

Entries are only ever written inside the transaction that changes the balance they record
(functions/domain/credits.py), so the ledger cannot disagree with the balance.
"""

from __future__ import annotations

from typing import Any

from functions.data.aws import from_item, to_item
from functions.data.paging import every_item, query_page
from functions.data.settings import settings
from functions.data.transactions import Guarded
from functions.models.entities.accounts import LedgerEntry
from functions.models.entities.page import Page


def _sort_key(entry: LedgerEntry) -> str:
    # Time first, so that a Query backwards is newest first; the id tells apart entries of one millisecond.
    return f"{entry.created_at}#{entry.id}"


def entry(ledger_entry: LedgerEntry) -> Guarded:
    """Put the entry (never over an existing one: its id is drawn once per change)."""
    values: dict[str, Any] = {
        "ownerId": ledger_entry.owner_id,
        "sk": _sort_key(ledger_entry),
        "id": ledger_entry.id,
        "type": ledger_entry.type,
        "amount": ledger_entry.amount,
        "createdAt": ledger_entry.created_at,
    }
    if ledger_entry.interview_id is not None:
        values["interviewId"] = ledger_entry.interview_id
    return Guarded(
        {
            "Put": {
                "TableName": settings().ledger_table,
                "Item": to_item(values),
                "ConditionExpression": "attribute_not_exists(sk)",
            }
        }
    )


def _entry(item: dict[str, Any]) -> LedgerEntry:
    values = from_item(item)
    return LedgerEntry(
        id=values["id"],
        owner_id=values["ownerId"],
        type=values["type"],
        amount=int(values["amount"]),
        interview_id=values.get("interviewId"),
        created_at=values["createdAt"],
    )


def _params(owner_id: str) -> dict[str, Any]:
    return {
        "TableName": settings().ledger_table,
        "KeyConditionExpression": "ownerId = :o",
        "ExpressionAttributeValues": {":o": {"S": owner_id}},
        "ScanIndexForward": False,
        "ConsistentRead": True,
    }


def query(owner_id: str, limit: int, start_key: dict[str, Any] | None) -> Page[LedgerEntry]:
    """One page of the owner's entries, newest first, from a strongly consistent Query."""
    return query_page(_params(owner_id) | {"Limit": limit}, start_key, _entry)


def total(owner_id: str) -> int:
    """The sum of every entry's amount (for the audit: it must equal the balance)."""
    return sum(int(item["amount"]["N"]) for item in every_item("query", _params(owner_id)))
