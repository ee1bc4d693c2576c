"""Interview recordings in the S3 records bucket."""

from __future__ import annotations

from urllib.parse import quote

from functions.data.aws import s3, session
from functions.data.schema import RECORDS_PREFIX
from functions.data.settings import settings

URL_TTL_SECONDS = 3600


def video_key(owner_id: str, interview_id: str) -> str:
    return f"{RECORDS_PREFIX}{owner_id}/{interview_id}.mp4"


def put_video(key: str, body: bytes) -> None:
    s3().put_object(Bucket=settings().records_bucket, Key=key, Body=body, ContentType="video/mp4")


def delete_video(key: str) -> None:
    """Idempotent: deleting a key that holds nothing succeeds (S3 answers 204 either way)."""
    s3().delete_object(Bucket=settings().records_bucket, Key=key)


def presigned_url(key: str) -> str:
    """A SigV4 GET URL valid one hour. Signing is local: no network call.

    Signed with botocore's own S3 query signer rather than an S3 client's generate_presigned_url:
    building the client (the S3 model and endpoint rules) was most of get's cold-start cost over
    its floor (bench/report.md). The URL is the client's, byte for byte
    (tests/integration/test_presigned_urls.py): the regional virtual-hosted style on AWS, path
    style under a configured endpoint (the local moto server has no DNS per bucket).
    """
    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest

    bucket, endpoint, region = settings().records_bucket, settings().endpoint_url, session().region_name
    path = quote(key, safe="/~")
    if endpoint:
        url = f"{endpoint.rstrip('/')}/{bucket}/{path}"
    else:
        # Our bucket names are DNS-compatible (CDK generates lowercase letters, digits and hyphens).
        # us-east-1 keeps S3's global host, as botocore's endpoint rules give it.
        host = "s3.amazonaws.com" if region in (None, "us-east-1") else f"s3.{region}.amazonaws.com"
        url = f"https://{bucket}.{host}/{path}"
    credentials = session().get_credentials()
    if credentials is None:
        raise RuntimeError("no AWS credentials to sign the video URL with")
    request = AWSRequest(method="GET", url=url)
    S3SigV4QueryAuth(
        credentials.get_frozen_credentials(), "s3", region or "us-east-1", expires=URL_TTL_SECONDS
    ).add_auth(request)
    return str(request.url)
