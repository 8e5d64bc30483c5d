"""A document flowing through the whole service with `[blobs] backend = "s3"` on a real SeaweedFS: mail over
SMTP → registered → edXML at the axis carrying the PDF, every blob in the bucket, none in the local folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bridge.axis.simulator import AxisSimulator
from bridge.edxml import parse_edoc
from storage.blobs_s3 import S3BlobStore, S3Location
from tests.e2e.harness import api_get, document_mail, eventually, send_mail, settings_for, start_bridge
from tests.fixtures.databases import fresh_sqlite_url
from tests.fixtures.pdfs import make_official_pdf

pytestmark = pytest.mark.s3
HUYEN = "000.00.32.H61"


async def test_document_flows_with_blobs_in_s3(
    tmp_path: Path,
    axis: AxisSimulator,
    mail_sink,
    s3_location: S3Location,  # type: ignore[no-untyped-def]
) -> None:
    s = settings_for(fresh_sqlite_url(tmp_path), tmp_path, axis.base_url, mail_sink.port)
    s.blobs.backend, s.blobs.s3_endpoint, s.blobs.s3_bucket = "s3", s3_location.endpoint, s3_location.bucket
    s.blobs.s3_access_key, s.blobs.s3_secret_key = s3_location.access_key, s3_location.secret_key  # type: ignore[assignment]
    running = await start_bridge(s)
    try:
        pdf = make_official_pdf()
        assert await send_mail(s.smtp_in.port, document_mail(pdf)) == {}
        docs = await eventually(lambda: registered(running.api), what="registered document")
        packets = await eventually(lambda: axis.packets_for(HUYEN), what="packet at the axis")
        assert [a.data for a in parse_edoc(packets[0].body).attachments] == [pdf]
        detail = await api_get(running.api, f"/api/documents/{docs[0]['id']}")
        assert detail["state"] == "registered"
    finally:
        await running.shutdown()

    bucket = S3BlobStore(s3_location)
    keys = [k async for k in bucket.keys()]
    assert hashlib.sha256(pdf).hexdigest() in keys
    assert len(keys) >= 3  # the raw mail, the PDF and the edXML packet sent to the axis
    assert [await bucket.get(k) for k in keys]  # each one reads back and matches its hash
    assert not any(p.is_file() for p in Path(s.blob_dir).rglob("*"))  # noqa: ASYNC240 - nothing in the local folder


async def registered(api: str) -> list[dict]:
    return [d for d in await api_get(api, "/api/documents") if d["state"] == "registered"]
