"""When a credit moves: the one module that answers "is this debited?" and "is this refunded?".

- Creating an interview debits one credit, in the transaction that puts it; a test interview debits
  nothing. Without a credit left, nothing is written and the create is refused.
- Deleting an interview refunds its credit when, as it is deleted, it is still PENDING and was
  charged; a charged interview deleted later has used its credit, which the user's `consumed`
  counter records in the same transaction (so that an audit can reconcile the balance). Either way
  the delete is conditioned on the state the refund was decided from
  (functions/data/interviews.AsRead), so a change in between makes the domain decide again from a
  fresh read, never refund twice or lose one.
- Credits are granted by `quollo admin create-user --credits` and `add-credits`.
Every debit, refund and grant writes its ledger entry in the same transaction as the balance change,
so the entries sum to the balance; each entry's `balanceAfter` is read back from the balance.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from functions.data import ledger, users
from functions.data.transactions import Guarded
from functions.domain import clock, cursors
from functions.models.entities.accounts import LedgerEntry, User
from functions.models.entities.interviews import InterviewStatus
from functions.models.errors import Conflict, InsufficientBalance, UnknownUser
from functions.records import record

if TYPE_CHECKING:
    from functions.data.interviews import AsRead


_CURSOR_SCOPE = "ledger"


def _entry(
    owner_id: str, kind: str, amount: int, interview_id: str | None, entry_id: str = "", at: str = ""
) -> Guarded:
    entry = LedgerEntry(entry_id or str(uuid.uuid4()), owner_id, kind, amount, interview_id, at or clock.now())
    return ledger.entry(entry)


def debit(owner_id: str, interview_id: str, created_at: str) -> list[Guarded]:
    """The transaction items that take one credit for the interview (refused when the balance holds none).

    The entry's id and time come from the interview, so that every attempt of the create writes the
    same items (its transaction is retried with one ClientRequestToken, which requires that).
    """
    entry_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"quollo:debit:{interview_id}"))
    return [
        Guarded(
            users.debit_item(owner_id),
            lambda: InsufficientBalance("Not enough interview credits to schedule a new interview"),
        ),
        _entry(owner_id, "debit", -1, interview_id, entry_id, created_at),
    ]


def grant(owner_id: str, amount: int) -> list[Guarded]:
    """The transaction items that add `amount` credits to an existing user."""
    unknown = UnknownUser(f"user {owner_id} does not exist")
    return [Guarded(users.grant_item(owner_id, amount), lambda: unknown), _entry(owner_id, "grant", amount, None)]


def new_user(user: User) -> list[Guarded]:
    """The transaction items that put a new user, with a grant entry for a starting balance."""
    exists = Conflict(f"user {user.id} already exists")
    items = [Guarded(users.new_user_item(user), lambda: exists)]
    return items + ([_entry(user.id, "grant", user.balance, None)] if user.balance else [])


def balance(owner_id: str) -> int:
    return users.get_balance(owner_id)


@record
class Movement:
    """A ledger entry as the API shows it: with the balance right after it."""

    entry: LedgerEntry
    balance_after: int


def ledger_page(owner_id: str, limit: int, cursor: str | None) -> tuple[list[Movement], str | None]:
    """The owner's balance changes, newest first, each with the balance after it.

    The newest entry's balance after is the balance now (read first); each older one's is the next
    newer one's minus that one's amount. A cursor carries the running figure with the key, so the
    later pages continue the same count.
    """
    state = cursors.decode(cursor, owner_id, _CURSOR_SCOPE)
    if state is None:
        running, start_key = users.get_balance(owner_id), None
    else:
        running, start_key = int(state.get("balance", 0)), state.get("key")
    page = ledger.query(owner_id, limit, start_key)
    movements = []
    for entry in page.items:
        movements.append(Movement(entry, running))
        running -= entry.amount
    next_state = {"key": page.last_key, "balance": running} if page.last_key else None
    return movements, cursors.encode(next_state, owner_id, _CURSOR_SCOPE)


def refundable(interview: AsRead) -> bool:
    """Whether deleting the interview in this state gives its credit back."""
    return interview.status is InterviewStatus.PENDING and interview.charged


def on_delete(interview: AsRead) -> list[Guarded]:
    """What deleting the interview in this state does to its owner's credits: a refund, a credit used, or nothing."""
    if refundable(interview):
        return [Guarded(users.refund_item(interview.owner_id)), _entry(interview.owner_id, "refund", 1, interview.id)]
    if interview.charged:
        return [Guarded(users.consume_item(interview.owner_id))]
    return []
