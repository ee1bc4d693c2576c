"""Header parameters: what the spec says of them, declared without pydantic (see path_params).

request_checks checks every header a route reads (the Idempotency-Key among them) before routing,
with a plainer message than a spec pattern; the docs build sees these as Powertools' `Header(...)`.
"""

from __future__ import annotations

from functions.records import record


@record
class HeaderRule:
    alias: str
    description: str
    pattern: str
