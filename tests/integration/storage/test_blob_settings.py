"""[blobs] in the configuration: the backend chosen, impossible values refused, production refusing an
unauthenticated bucket, and a bucket that refuses our key found at start (one Vietnamese line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.bootstrap import blob_store
from bridge.profiles import blobs_unreachable, production_problems
from bridge.settings import load_settings
from bridge.settings_errors import ConfigError
from storage.blobs import FileBlobStore
from storage.blobs_s3 import S3BlobStore, S3Location
from tests.fixtures.settings import base_settings


def test_local_is_the_default_and_s3_is_chosen_by_configuration(tmp_path: Path) -> None:
    s = base_settings(blob_dir=str(tmp_path / "b"))
    assert s.blobs.backend == "local" and isinstance(blob_store(s), FileBlobStore)
    s.blobs.backend, s.blobs.s3_bucket, s.blobs.s3_secret_key = "s3", "edoc", "sẽ-không-in-ra"  # type: ignore[assignment]
    store = blob_store(s)
    assert isinstance(store, S3BlobStore) and store.where.bucket == "edoc"
    assert "sẽ-không-in-ra" not in repr(store) and "sẽ-không-in-ra" not in repr(s)


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ('[blobs]\nbackend = "s3"\n', "blobs.s3_bucket"),
        ('[blobs]\nbackend = "minio"\n', "blobs.backend"),
        ('[blobs]\nbackend = "s3"\ns3_bucket = "b"\ns3_endpoint = "seaweedfs:8333"\n', "blobs.s3_endpoint"),
    ],
    ids=["no bucket", "unknown backend", "endpoint without scheme"],
)
def test_impossible_blob_settings_are_refused_naming_the_key(tmp_path: Path, toml: str, named: str) -> None:
    path = tmp_path / "edoc.toml"
    path.write_text('profile = "demo"\n' + toml, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings(path)
    assert any(named in line and str(path) in line for line in refused.value.problems), refused.value.problems


def test_production_refuses_a_bucket_without_credentials() -> None:
    s = base_settings()
    s.profile = "production"
    s.blobs.backend, s.blobs.s3_bucket = "s3", "edoc"
    assert any("blobs.s3_access_key" in p for p in production_problems(s))
    s.blobs.s3_access_key, s.blobs.s3_secret_key = "key", "secret"  # type: ignore[assignment]
    assert not any("blobs." in p for p in production_problems(s))


@pytest.mark.s3
async def test_a_bucket_refusing_the_key_stops_the_start(s3_location: S3Location) -> None:
    s = base_settings()
    b = s.blobs
    b.backend, b.s3_endpoint, b.s3_bucket = "s3", s3_location.endpoint, s3_location.bucket
    b.s3_access_key, b.s3_secret_key = s3_location.access_key, s3_location.secret_key  # type: ignore[assignment]
    assert await blobs_unreachable(s) == []
    b.s3_secret_key = "not-the-secret"  # type: ignore[assignment]
    [problem] = await blobs_unreachable(s)
    assert problem.startswith("Không khởi động: không dùng được kho S3") and s3_location.bucket in problem
    assert "\n" not in problem and "not-the-secret" not in problem
