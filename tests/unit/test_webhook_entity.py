"""The Webhook entity carries its signing secrets: they must never reach a log line or a traceback."""

from __future__ import annotations

from functions.models.entities.webhooks import Webhook


def test_a_webhooks_repr_shows_no_secret() -> None:
    webhook = Webhook(
        id="wh_1",
        owner_id="usr_1",
        url="https://example.com/hook",
        events=["interview.created"],
        enabled=True,
        secret="whsec_current",
        created_at="2026-11-29T21:00:00.000Z",
        previous_secret="whsec_previous",
        previous_secret_until=1.0,
    )
    shown = repr(webhook)
    assert "wh_1" in shown and "https://example.com/hook" in shown
    assert "whsec_current" not in shown and "whsec_previous" not in shown
