"""Files on shared storage: covers and mailed receipts go to an S3-compatible store (moto's
server on loopback, started here), are served through the app, and are seen by another
process (a second machine) with the same settings."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time

import boto3
import httpx
import pytest

from service import storage as storage_module
from service.projects.tables import Project
from service.settings import get_settings
from service.storage import StoredFileMissing, build_storage
from tasks import outbox
from tasks import receipts as receipt_tasks
from tests import evidence_files, factories, staff
from tests.browser import free_port
from tests.mailsink import MailSink

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PNG2 = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64
BUCKET = "minsheng-files"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
}


def start_moto(port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def s3_server():
    port = free_port()
    server = start_moto(port)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(endpoint, timeout=2)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "moto server did not start"
            time.sleep(0.2)
    client = boto3.client("s3", endpoint_url=endpoint, **_boto_credentials())
    client.create_bucket(Bucket=BUCKET)
    yield endpoint, client
    server.terminate()
    server.wait(timeout=30)


def _boto_credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "region_name": CREDENTIALS["AWS_REGION"],
    }


@pytest.fixture
def s3_settings(s3_server, monkeypatch):
    endpoint, _client = s3_server
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    base = get_settings()
    settings = dataclasses.replace(
        base,
        ops=dataclasses.replace(
            base.ops, storage_url=f"s3://{BUCKET}/deploy-a", storage_endpoint=endpoint
        ),
    )
    monkeypatch.setattr(storage_module, "get_settings", lambda: settings)
    return settings


def keys(client, prefix: str) -> set[str]:
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return {item["Key"] for item in listed.get("Contents", [])}


async def test_covers_live_in_the_bucket_and_are_served_by_the_app(client, s3_server, s3_settings):
    _endpoint, s3 = s3_server
    organizer = await staff.make("organizer")
    event = await factories.event()
    project = await factories.project(event.id, status=Project.Status.submitted)
    path = f"/api/v1/console/projects/{project}/cover"
    first = await client.put(path, content=PNG, headers=organizer.headers)
    assert first.status_code == 200, first.text
    name = first.json()["cover_url"].rsplit("/", 1)[1]
    assert keys(s3, "deploy-a/uploads/") == {f"deploy-a/uploads/{name}"}
    assert not (get_settings().data_dir / "uploads" / name).exists()  # not on local disk
    served = await client.get(f"/covers/{name}")
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["content-type"] == "image/png"
    # A replaced cover's object is removed; the new one is served.
    second = await client.put(path, content=PNG2, headers=organizer.headers)
    new_name = second.json()["cover_url"].rsplit("/", 1)[1]
    assert keys(s3, "deploy-a/uploads/") == {f"deploy-a/uploads/{new_name}"}
    assert (await client.get(f"/covers/{name}")).status_code == 404
    assert (await client.get(f"/covers/{new_name}")).content == PNG2
    # Same access rules as before: names are checked, an unknown one is a 404.
    assert (await client.get("/covers/..%2Fsecret_key")).status_code == 404
    assert (await client.get(f"/covers/{'0' * 32}.png")).status_code == 404


async def test_a_mailed_receipt_pdf_is_stored_in_the_bucket(clean_db, s3_server, s3_settings):
    _endpoint, s3 = s3_server
    sink = MailSink().start()
    try:
        settings = dataclasses.replace(s3_settings, smtp_url=sink.url)
        original = receipt_tasks.get_settings
        receipt_tasks.get_settings = lambda: settings
        try:
            event = await factories.event(number=6)
            project = await factories.project(event.id)
            pledge = await factories.pledge(6, project, 20_000)
            await factories.bank_payment(pledge, 20_000)
            assert await outbox.relay_once() >= 2
        finally:
            receipt_tasks.get_settings = original
        [message] = sink.wait_for(1)
    finally:
        sink.stop()
    stored = keys(s3, "deploy-a/receipts/6/")
    assert stored == {"deploy-a/receipts/6/6-000001.pdf"}
    pdf = s3.get_object(Bucket=BUCKET, Key="deploy-a/receipts/6/6-000001.pdf")["Body"].read()
    attachment = next(message.iter_attachments())
    assert attachment.get_content() == pdf and pdf.startswith(b"%PDF")


def test_another_process_sees_the_same_files(s3_server, s3_settings, tmp_path):
    storage = build_storage(s3_settings)
    storage.write("evidence/7/invoice.pdf", b"%PDF-evidence", "application/pdf")
    script = (
        "from service.settings import get_settings; from service.storage import get_storage; "
        "import sys; sys.stdout.write(get_storage(get_settings()).read('evidence/7/invoice.pdf')"
        ".decode())"
    )
    env = {
        **os.environ,
        **CREDENTIALS,
        "STORAGE_URL": f"s3://{BUCKET}/deploy-a",
        "STORAGE_S3_ENDPOINT": s3_settings.ops.storage_endpoint,
        "MINSHENG_DATA_DIR": str(tmp_path),  # a different machine's local folder
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "%PDF-evidence"
    storage.delete("evidence/7/invoice.pdf")
    with pytest.raises(StoredFileMissing):
        storage.read("evidence/7/invoice.pdf")


def test_storage_settings_are_checked():
    from service.settings import SettingsError, load_settings

    for bad in ("ftp://host/x", "s3://"):
        with pytest.raises(SettingsError, match="STORAGE_URL"):
            load_settings({"STORAGE_URL": bad})
    with pytest.raises(ValueError, match="not a storage key"):
        storage_module.check_key("../secret_key")


async def test_transparency_report_pdfs_and_evidence_files_live_in_the_bucket(
    client, s3_server, s3_settings
):
    from service.disbursements import evidence
    from service.reports.tables import TransparencyReport
    from tests.ledger_world import build_world

    _endpoint, s3 = s3_server
    world = await build_world()
    organizer = await staff.make("organizer", username="reporter")
    asked = await client.post(
        f"/api/v1/console/events/{world.event_number}/transparency-reports",
        headers=organizer.headers,
    )
    assert asked.status_code == 202, asked.text
    await outbox.relay_once()
    (row,) = await TransparencyReport.select()
    assert row["status"] == "ready", row["error"]
    assert keys(s3, "deploy-a/reports/") == {f"deploy-a/reports/{row['pdf_name']}"}
    served = await client.get(f"/transparency/{asked.json()['id']}/pdf")
    assert served.status_code == 200 and served.content.startswith(b"%PDF")
    assert (
        served.content
        == s3.get_object(Bucket=BUCKET, Key=f"deploy-a/reports/{row['pdf_name']}")["Body"].read()
    )

    photo = evidence_files.png()
    name = evidence.write_file(evidence.check_file(photo, "files", allowed=evidence.IMAGES))
    assert f"deploy-a/uploads/evidence/{name}" in keys(s3, "deploy-a/uploads/evidence/")
    assert await evidence.read_file(name) == photo
    evidence.remove_files([name])
    assert keys(s3, "deploy-a/uploads/evidence/") == set()
