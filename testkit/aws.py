"""Fake AWS: credentials and region that can never reach a real account."""

from __future__ import annotations

import os

REGION = "us-east-1"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
# Variables that would point boto3 at a real account or another endpoint: never inherited.
_DROPPED = ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL")


def fake_aws_env(endpoint_url: str | None = None) -> dict[str, str]:
    """Fake credentials and the region; with `endpoint_url`, every client goes there (a moto server)."""
    env = FAKE_CREDENTIALS | {"AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    return env


def use_fake_aws(env: dict[str, str] | None = None) -> None:
    """Set `env` (by default `fake_aws_env()`) in this process, dropping any real profile, session or endpoint."""
    for name in _DROPPED:
        os.environ.pop(name, None)
    os.environ.update(fake_aws_env() if env is None else env)
