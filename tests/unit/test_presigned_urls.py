"""The video URL is signed without an S3 client, and is exactly the URL an S3 client would give."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import boto3
import pytest
from botocore.config import Config

from functions.data import recordings
from functions.data.settings import use_local_defaults
from functions.local.caches import forget_aws_state

KEY = "records/user_1/0b7c1c9e-7f59-4f32-9d43-5a3c3f1f1a2b.mp4"


@pytest.fixture(autouse=True)
def _fresh_process_state() -> Iterator[None]:
    use_local_defaults()
    forget_aws_state()
    yield
    forget_aws_state()


def _client_signer(region: str, endpoint: str | None) -> Callable[[], str]:
    # The S3 client this replaced: in the region, SigV4, virtual-hosted (path style under an endpoint).
    client = boto3.session.Session().client(
        "s3",
        region_name=region,
        endpoint_url=endpoint,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path" if endpoint else "virtual"}),
    )
    # Built once: under load a client takes seconds to build, and both URLs must sign the same second.
    return lambda: str(
        client.generate_presigned_url(
            "get_object", Params={"Bucket": "quollo-records", "Key": KEY}, ExpiresIn=recordings.URL_TTL_SECONDS
        )
    )


@pytest.mark.parametrize(
    ("region", "endpoint", "token"),
    [
        ("us-east-1", None, None),
        ("eu-west-1", None, "session-token/with+odd=chars"),  # Lambda's role credentials carry a token
        ("us-east-1", "http://127.0.0.1:8001", None),  # quollo serve's moto server: path style
    ],
)
def test_the_signed_url_is_the_s3_clients_byte_for_byte(
    monkeypatch: pytest.MonkeyPatch, region: str, endpoint: str | None, token: str | None
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    monkeypatch.setenv("AWS_REGION", region)
    for name, value in (("AWS_ENDPOINT_URL", endpoint), ("AWS_SESSION_TOKEN", token)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    forget_aws_state()
    signed_by_client = _client_signer(region, endpoint)
    for _ in range(5):  # both sign the current second: retry if one straddled a second boundary
        ours, theirs = recordings.presigned_url(KEY), signed_by_client()
        if ours == theirs:
            break
    assert ours == theirs
    assert ("X-Amz-Security-Token" in ours) == (token is not None)
