"""Reserved concurrency per route, from the route table's weights, checked against the account's quota.

Lambda refuses a reservation that would leave fewer than 100 unreserved executions in the account,
and it refuses it function by function: a stack that asks for too much fails partway through its
deploy. So synth adds the reservations up first and fails, naming the numbers, when they do not fit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from functions.routes import Route

# Lambda keeps at least this many concurrent executions unreserved in every account and region.
LAMBDA_UNRESERVED_MINIMUM = 100


class ConcurrencyBudgetError(ValueError):
    """The reservations do not fit in what the account's concurrency quota leaves for them."""


def reservations(routes: Sequence[Route], per_weight: int | None) -> dict[str, int]:
    """Route name -> reserved concurrent executions (weight x per_weight); routes of weight 0 are absent."""
    if per_weight is None:
        return {}
    return {route.name: route.concurrency_weight * per_weight for route in routes if route.concurrency_weight > 0}


def check_budget(reserved: Mapping[str, int], *, per_weight: int | None, account_concurrency: int, margin: int) -> None:
    """Raise, with the figures, when the reservations exceed the quota minus Lambda's 100 and the margin."""
    total = sum(reserved.values())
    allowed = account_concurrency - LAMBDA_UNRESERVED_MINIMUM - margin
    if total <= allowed:
        return
    weights = total // per_weight if per_weight else 0
    largest = ", ".join(f"{name} {count:,}" for name, count in sorted(reserved.items(), key=lambda kv: -kv[1])[:3])
    raise ConcurrencyBudgetError(
        f"reserved concurrency {total:,} ({len(reserved)} functions, {weights} weights x reserved_concurrency "
        f"{per_weight}; largest: {largest}) exceeds the {allowed:,} this account leaves for it: "
        f"account_concurrency {account_concurrency:,} - {LAMBDA_UNRESERVED_MINIMUM} Lambda keeps unreserved "
        f"- concurrency_margin {margin:,}. Lower -c reserved_concurrency=N (per unit of weight), set "
        f"-c account_concurrency to the account's quota (Service Quotas: Lambda 'Concurrent executions'), "
        f"or deploy with -c reserved_concurrency=off."
    )
