"""Storage in any S3-compatible object store (AWS S3, MinIO, Ceph, moto…) through boto3."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import boto3
import botocore.config
import botocore.exceptions

from keyframe.storage.base import (
    READ_CHUNK,
    Hasher,
    ReadStream,
    Slice,
    Storage,
    StorageError,
    StorageNotFound,
    StoredObject,
    iter_source,
    validate_key,
    validate_prefix,
    validate_range,
)

log = logging.getLogger(__name__)

MIB = 1024 * 1024
MIN_PART_SIZE = 5 * MIB  # S3's smallest part (all but the last)
MAX_PART_SIZE = 5 * 1024 * MIB
PARTS_PER_STEP = 1000  # the part size doubles every 1000 parts, so 10 000 parts reach far beyond 80 GiB
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


@dataclass(frozen=True)
class S3Config:
    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    part_size: int = 8 * MIB
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_attempts: int = 5
    max_pool_connections: int = 32


class S3Storage(Storage):
    """Objects under ``<prefix>/<key>`` in one bucket.

    Writes smaller than one part are a single ``PutObject``; larger ones a multipart upload whose object
    appears only when it completes, and which is aborted if anything fails. Without explicit credentials
    boto3's usual chain (environment, config files, instance roles) applies. With an endpoint URL,
    path-style addressing is used (what MinIO and moto expect).
    """

    def __init__(self, config: S3Config) -> None:
        if not config.bucket:
            raise ValueError("S3 storage needs a bucket")
        if config.part_size < MIN_PART_SIZE:
            raise ValueError(f"S3 part size must be at least {MIN_PART_SIZE} bytes")
        if config.endpoint_url and "@" in config.endpoint_url.split("//", 1)[-1].split("/", 1)[0]:
            raise ValueError("put S3 credentials in their settings, not in the endpoint URL")
        self.config = config
        self.bucket = config.bucket
        self.prefix = validate_prefix(config.prefix.strip("/"))
        region = config.region or ("us-east-1" if config.endpoint_url else None)
        boto_config = botocore.config.Config(
            region_name=region,
            signature_version="s3v4",
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
            retries={"max_attempts": config.max_attempts, "mode": "standard"},
            max_pool_connections=config.max_pool_connections,
            s3={"addressing_style": "path" if config.endpoint_url else "auto"},
            # Newer botocore adds CRC checksums to every request; many S3-compatible stores refuse them.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        session = boto3.session.Session(
            aws_access_key_id=config.access_key_id,
            aws_secret_access_key=config.secret_access_key,
            region_name=region,
        )
        # boto3 clients (unlike sessions and resources) are safe to share between threads.
        self._client: Any = session.client("s3", endpoint_url=config.endpoint_url, config=boto_config)

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def close(self) -> None:
        self._client.close()

    def check(self) -> None:
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self._error("check", "the bucket", exc) from exc

    def _name(self, key: str) -> str:
        key = validate_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _error(self, operation: str, what: str, exc: Exception) -> StorageError:
        """A StorageError naming the operation and the S3 error code only (never request details)."""
        if isinstance(exc, botocore.exceptions.ClientError):
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            detail = f"{error.get('Code', 'error')} (HTTP {status})"
        else:
            detail = type(exc).__name__
        return StorageError(f"S3 {operation} of {what} in bucket {self.bucket!r} failed: {detail}")

    # -- writing ---------------------------------------------------------------------------------------

    def write_stream(
        self, key: str, data: Iterable[bytes] | BinaryIO, *, content_type: str | None = None
    ) -> StoredObject:
        name = self._name(key)
        extra: dict[str, Any] = {"ContentType": content_type} if content_type else {}
        hasher = Hasher()
        buffer = bytearray()
        part_size = self.config.part_size
        chunks = iter_source(data)
        for chunk in chunks:  # fill the first part; a short object is one PutObject
            hasher.update(chunk)
            buffer += chunk
            if len(buffer) >= part_size:
                break
        else:
            try:
                self._client.put_object(Bucket=self.bucket, Key=name, Body=bytes(buffer), **extra)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
                raise self._error("write", repr(key), exc) from exc
            return StoredObject(key=key, size=hasher.size, sha256=hasher.hexdigest())

        try:
            upload = self._client.create_multipart_upload(Bucket=self.bucket, Key=name, **extra)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self._error("write", repr(key), exc) from exc
        upload_id: str = upload["UploadId"]
        parts: list[dict[str, Any]] = []
        try:

            def send(body: bytes) -> None:
                number = len(parts) + 1
                if number > 10_000:
                    raise StorageError(f"S3 write of {key!r} failed: more than 10 000 parts")
                try:
                    answer = self._client.upload_part(
                        Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=number, Body=body
                    )
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
                    raise self._error("write", repr(key), exc) from exc
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})

            for chunk in chunks:  # the caller's errors propagate unchanged (after the abort below)
                if len(buffer) >= part_size:
                    send(bytes(buffer))
                    buffer.clear()
                    step = min(len(parts) // PARTS_PER_STEP, 10)
                    part_size = min(self.config.part_size << step, MAX_PART_SIZE)
                hasher.update(chunk)
                buffer += chunk
            send(bytes(buffer))
            buffer.clear()
            try:
                self._client.complete_multipart_upload(
                    Bucket=self.bucket, Key=name, UploadId=upload_id, MultipartUpload={"Parts": parts}
                )
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
                raise self._error("write", repr(key), exc) from exc
        except BaseException:
            self._abort(name, upload_id)
            raise
        return StoredObject(key=key, size=hasher.size, sha256=hasher.hexdigest())

    def compose(self, key: str, parts: Sequence[Slice], *, content_type: str | None = None) -> int:
        """A multipart upload whose parts are server-side copies (``UploadPartCopy``): no byte passes through
        Keyframe. S3 wants every part but the last to be at least 5 MiB, so smaller pieces are streamed
        instead (the base class's way)."""
        ranges: list[tuple[Slice, int, int]] = []  # (part, start, end) with end exclusive, none empty
        for part in parts:
            validate_range(part.start, part.end)
            length = self.size(part.key)  # StorageNotFound for a missing part
            end = length if part.end is None else min(part.end, length)
            ranges.extend((part, a, b) for a, b in _split(part.start, end))
        if not ranges or len(ranges) > 10_000 or any(b - a < MIN_PART_SIZE for _, a, b in ranges[:-1]):
            return super().compose(key, parts, content_type=content_type)

        name = self._name(key)
        extra: dict[str, Any] = {"ContentType": content_type} if content_type else {}
        try:
            upload = self._client.create_multipart_upload(Bucket=self.bucket, Key=name, **extra)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self._error("write", repr(key), exc) from exc
        upload_id: str = upload["UploadId"]
        copied: list[dict[str, Any]] = []
        try:
            for number, (part, start, end) in enumerate(ranges, start=1):
                try:
                    answer = self._client.upload_part_copy(
                        Bucket=self.bucket,
                        Key=name,
                        UploadId=upload_id,
                        PartNumber=number,
                        CopySource={"Bucket": self.bucket, "Key": self._name(part.key)},
                        CopySourceRange=f"bytes={start}-{end - 1}",
                    )
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
                    raise self._error("copy", repr(part.key), exc) from exc
                copied.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})
            try:
                self._client.complete_multipart_upload(
                    Bucket=self.bucket, Key=name, UploadId=upload_id, MultipartUpload={"Parts": copied}
                )
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
                raise self._error("write", repr(key), exc) from exc
        except BaseException:
            self._abort(name, upload_id)
            raise
        return sum(b - a for _, a, b in ranges)

    def _abort(self, name: str, upload_id: str) -> None:
        try:
            self._client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            # The write fails anyway; the upload is left for abort_stale_uploads or a bucket lifecycle rule.
            log.warning("could not abort an S3 multipart upload: %s", self._error("abort", repr(name), exc))

    def abort_stale_uploads(self, older_than: float) -> int:
        """Abort multipart uploads under the prefix started more than ``older_than`` seconds ago (writes
        that died with their process); returns how many were aborted."""
        limit = time.time() - older_than
        aborted = 0
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if self.prefix:
            kwargs["Prefix"] = self.prefix + "/"
        try:
            for page in self._client.get_paginator("list_multipart_uploads").paginate(**kwargs):
                for upload in page.get("Uploads", []):
                    initiated: datetime = upload["Initiated"]
                    if initiated.astimezone(UTC).timestamp() < limit:
                        self._abort(upload["Key"], upload["UploadId"])
                        aborted += 1
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self._error("listing of uploads", "the bucket", exc) from exc
        return aborted

    # -- reading ---------------------------------------------------------------------------------------

    def open_read(self, key: str, start: int = 0, end: int | None = None) -> ReadStream:
        name = self._name(key)
        validate_range(start, end)
        if end is not None and end == start:
            self.size(key)  # no bytes, but a missing key is still an error
            return ReadStream(iter(()), lambda: None)
        extra: dict[str, Any] = {}
        if start or end is not None:
            extra["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=name, **extra)
        except botocore.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in _NOT_FOUND:
                raise StorageNotFound(key) from None
            if code == "InvalidRange":  # start at or past the end: the object exists, the range is empty
                return ReadStream(iter(()), lambda: None)
            raise self._error("read", repr(key), exc) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise self._error("read", repr(key), exc) from exc
        body = answer["Body"]
        return ReadStream(self._chunks(body, key), body.close)

    def _chunks(self, body: Any, key: str) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(READ_CHUNK)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self._error("read", repr(key), exc) from exc

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            answer: dict[str, Any] = self._client.head_object(Bucket=self.bucket, Key=self._name(key))
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _NOT_FOUND:
                return None
            raise self._error("stat", repr(key), exc) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise self._error("stat", repr(key), exc) from exc
        return answer

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise StorageNotFound(key)
        return int(head["ContentLength"])

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def local_path(self, key: str) -> Path | None:
        validate_key(key)
        return None

    def _list_names(self, prefix: str) -> Iterator[str]:
        """Full object names under the storage prefix and ``prefix``."""
        full = "/".join(p for p in (self.prefix, prefix) if p)
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if full:
            kwargs["Prefix"] = full + "/"
        try:
            for page in self._client.get_paginator("list_objects_v2").paginate(**kwargs):
                for item in page.get("Contents", []):
                    yield item["Key"]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self._error("listing", repr(prefix or "/"), exc) from exc

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        prefix = validate_prefix(prefix)
        strip = len(self.prefix) + 1 if self.prefix else 0
        for name in self._list_names(prefix):
            yield name[strip:]

    # -- deleting --------------------------------------------------------------------------------------

    def delete(self, key: str) -> None:
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self._name(key))
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _NOT_FOUND:
                return
            raise self._error("delete", repr(key), exc) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise self._error("delete", repr(key), exc) from exc

    def delete_prefix(self, prefix: str) -> None:
        prefix = validate_prefix(prefix)
        if not prefix:
            raise ValueError("refusing to delete every stored object (empty prefix)")
        batch: list[str] = []
        for name in self._list_names(prefix):
            batch.append(name)
            if len(batch) == 1000:
                self._delete_batch(batch, prefix)
                batch = []
        if batch:
            self._delete_batch(batch, prefix)

    def _delete_batch(self, names: list[str], prefix: str) -> None:
        try:
            answer = self._client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": n} for n in names], "Quiet": True}
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise self._error("delete", f"{prefix!r}/", exc) from exc
        errors = [e for e in answer.get("Errors", []) if e.get("Code") not in _NOT_FOUND]
        if errors:
            raise StorageError(
                f"S3 delete of {prefix!r}/ in bucket {self.bucket!r} failed for {len(errors)} objects: "
                f"{errors[0].get('Code', 'error')}"
            )


def _split(start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` in as few equal pieces as fit S3's largest copied part (none when empty)."""
    length = end - start
    if length <= 0:
        return []
    count = -(-length // MAX_PART_SIZE)
    step = -(-length // count)
    return [(a, min(a + step, end)) for a in range(start, end, step)]
