"""Webhook secrets and signatures, as the Standard Webhooks spec defines them.

Signatures come from `standardwebhooks`, the spec authors' package, so that what we send is what
their verifiers (and Svix's, which the tests use) accept.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook as Signer

from functions.models.entities.webhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 32  # the spec asks for 24 to 64


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def headers(webhook: Webhook, message_id: str, body: str, now: float) -> dict[str, str]:
    """webhook-id, webhook-timestamp and webhook-signature: one signature per valid secret, space-separated.

    After a rotation the previous secret signs too until its grace period ends, so that a receiver
    still configured with it keeps verifying.
    """
    moment = datetime.fromtimestamp(int(now), tz=UTC)
    keys = [webhook.secret]
    if webhook.previous_secret and (webhook.previous_secret_until or 0) > now:
        keys.append(webhook.previous_secret)
    signature = " ".join(Signer(key).sign(msg_id=message_id, timestamp=moment, data=body) for key in keys)
    return {"webhook-id": message_id, "webhook-timestamp": str(int(now)), "webhook-signature": signature}
