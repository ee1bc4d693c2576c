"""Interview recordings in the S3 records bucket."""

from __future__ import annotations

from functions.data.aws import s3
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
    """A SigV4 GET URL valid one hour. Signing is local: no network call."""
    return s3().generate_presigned_url(
        "get_object",
        Params={"Bucket": settings().records_bucket, "Key": key},
        ExpiresIn=URL_TTL_SECONDS,
    )
