"""Users and their ledgers."""

from __future__ import annotations

from functions.records import record


@record
class User:
    id: str
    name: str
    balance: int
    created_at: str


@record
class LedgerEntry:
    """One change of a balance: `debit` (-1, an interview created), `refund` (+1, a PENDING one
    deleted) or `grant` (+N, credits added)."""

    id: str
    owner_id: str
    type: str
    amount: int
    interview_id: str | None
    created_at: str
