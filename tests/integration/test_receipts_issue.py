"""Receipts issued by the outbox relay in process: one per payment, gapless numbers,
PDF text, declined and anonymous donors, copies, voids and reissues, verification."""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import uuid
from email.message import EmailMessage

import pytest

from service.audit.services import Actor
from service.errors import NotAllowed
from service.outbox.tables import OutboxMessage
from service.receipts import services as receipts
from service.receipts.tables import Receipt
from service.settings import get_settings
from tasks import outbox
from tasks import receipts as receipt_tasks
from tests import factories
from tests.mailsink import MailSink

ORGANIZER = Actor("organizer")


@pytest.fixture
def sink(monkeypatch):
    mail_sink = MailSink().start()
    settings = dataclasses.replace(get_settings(), smtp_url=mail_sink.url)
    monkeypatch.setattr(receipt_tasks, "get_settings", lambda: settings)
    yield mail_sink
    mail_sink.stop()


def pdf_text(message: EmailMessage, tmp_path) -> str:
    attachment = next(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(attachment.get_content())
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    # The CJK font is embedded as a subset: "ABCDEF+Name … TrueType … yes yes".
    assert any(
        "+" in line and line.split()[-5:-2] == ["yes", "yes", "yes"]
        for line in fonts.splitlines()[2:]
    ), fonts
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


async def settled_payment(amount_fen: int = 1_234_550, **donor: object) -> tuple[uuid.UUID, int]:
    event = await factories.event(number=5)
    project = await factories.project(event.id, budget_fen=(50_000_000,))
    if donor:
        from service.pledges.services import PledgeDraft, create_pledge

        result = await create_pledge(
            PledgeDraft(
                event_number=5,
                project_id=project,
                donor=factories.donor_draft(**donor),  # type: ignore[arg-type]
                amount_fen=amount_fen,
            ),
            factories.TEST_ACTOR,
        )
        pledge_id = result.pledge_id
    else:
        pledge_id = await factories.pledge(5, project, amount_fen)
    return await factories.bank_payment(pledge_id, amount_fen), event.id


async def test_a_settled_payment_gets_one_receipt_mailed_with_its_pdf(clean_db, sink, tmp_path):
    payment_id, _ = await settled_payment()
    # live.pledge and live.payment (the live screen), payment.settled, then receipt.mail
    assert await outbox.relay_once() == 4
    assert await outbox.relay_once() == 0

    rows = await Receipt.select().where(Receipt.payment == payment_id)
    assert len(rows) == 1
    receipt = rows[0]
    assert (receipt["number"], receipt["status"], receipt["amount_fen"]) == (1, "issued", 1_234_550)
    assert receipt["mailed_at"] is not None

    assert len(sink.messages) == 1
    message = sink.messages[0]
    assert message["To"] == "donor@example.com"
    assert "5-000001" in message["Subject"] and "副本" not in message["Subject"]
    assert message.get_body(("html",)) is not None and message.get_body(("plain",)) is not None
    text = pdf_text(message, tmp_path)
    assert "No. 5-000001" in text
    assert "¥12,345.50" in text
    assert "壹万贰仟叁佰肆拾伍圆伍角整" in text
    assert "张三" in text and "副本" not in text
    assert receipt["verification_code"] in text


async def test_issuing_again_or_relaying_again_sends_nothing_more(clean_db, sink):
    payment_id, _ = await settled_payment()
    first = await receipts.issue_receipt(payment_id)
    assert await receipts.issue_receipt(payment_id) == first
    await asyncio.gather(*(outbox.relay_once() for _ in range(4)))
    # A relay that sent the mail but died before marking its row: the row is due again.
    await OutboxMessage.update({OutboxMessage.delivered_at: None}).where(
        OutboxMessage.topic == "receipt.mail"
    )
    await outbox.relay_once()
    assert len(sink.messages) == 1
    assert await Receipt.count().where(Receipt.payment == payment_id) == 1


async def test_concurrent_settlements_number_receipts_without_gaps(clean_db, monkeypatch):
    settings = dataclasses.replace(get_settings(), outbox_kick=True)
    monkeypatch.setattr(outbox, "get_settings", lambda: settings)
    event = await factories.event(number=5)
    project = await factories.project(event.id, budget_fen=(50_000_000,))
    pledges = [await factories.pledge(5, project, 10_000) for _ in range(24)]
    # 24 settlements at once, each kicking its own relay after commit: the relays claim
    # rows side by side (SKIP LOCKED) and issue receipts concurrently.
    payments = await asyncio.gather(*(factories.bank_payment(p, 10_000) for p in pledges))
    # And every payment issued once more, all at once, on separate pooled connections.
    await asyncio.gather(*(receipts.issue_receipt(p) for p in payments))
    rows = await Receipt.select(Receipt.number, Receipt.payment)
    assert sorted(r["number"] for r in rows) == list(range(1, 25))
    assert {r["payment"] for r in rows} == set(payments)


async def test_declined_and_anonymous_donors_are_recorded_as_such(clean_db, sink):
    declined, _ = await settled_payment(50_000, wants_receipt=False)
    anonymous_pledge = await factories.pledge(5, None, 20_000)
    from service.donors.tables import Donor
    from service.pledges.tables import Pledge

    donor = (await Pledge.select(Pledge.donor).where(Pledge.id == anonymous_pledge).first())[
        "donor"
    ]
    await Donor.update({Donor.anonymous: True}).where(Donor.id == donor)
    anonymous = await factories.bank_payment(anonymous_pledge, 20_000)
    await outbox.relay_once()

    declined_row = await Receipt.select().where(Receipt.payment == declined).first()
    assert declined_row["status"] == "declined" and declined_row["number"] < 0
    anonymous_row = await Receipt.select().where(Receipt.payment == anonymous).first()
    assert anonymous_row["status"] == "issued" and anonymous_row["number"] == 1
    assert anonymous_row["title"] == "爱心人士"
    assert len(sink.messages) == 1  # the declined donor gets nothing


async def test_copies_voids_and_reissues_keep_the_trail_and_the_numbering(clean_db, sink, tmp_path):
    payment_id, _ = await settled_payment(100_000)
    await outbox.relay_once()
    first = await Receipt.select().where(Receipt.payment == payment_id).first()

    assert await receipts.resend_copy(first["id"], ORGANIZER) == 1
    await outbox.relay_once()
    copy = sink.messages[-1]
    assert "副本" in copy["Subject"]
    assert "副本" in pdf_text(copy, tmp_path)

    new_id = await receipts.void_receipt(
        first["id"], "抬头有误", ORGANIZER, reissue=True, title="杭州望江科技有限公司"
    )
    await outbox.relay_once()
    old = await Receipt.select().where(Receipt.id == first["id"]).first()
    new = await Receipt.select().where(Receipt.id == new_id).first()
    assert (old["status"], old["number"], old["void_reason"]) == ("void", 1, "抬头有误")
    assert (new["status"], new["number"], new["replaces"]) == ("issued", 2, first["id"])
    assert new["title"] == "杭州望江科技有限公司"
    assert len(sink.messages) == 3
    text = pdf_text(sink.messages[-1], tmp_path)
    assert "No. 5-000002" in text and "5-000001" in text  # names the receipt it replaces
    with pytest.raises(NotAllowed):
        await receipts.resend_copy(first["id"], ORGANIZER)  # a void receipt is not resent


async def test_verification_page_tells_valid_from_void(clean_db, client, sink):
    payment_id, _ = await settled_payment(100_000)
    await outbox.relay_once()
    first = await Receipt.select().where(Receipt.payment == payment_id).first()
    page = await client.get(
        "/receipts/verify", params={"number": "5-000001", "code": first["verification_code"]}
    )
    assert page.status_code == 200 and "有效" in page.text and "¥1,000.00" in page.text
    wrong = await client.get("/receipts/verify", params={"number": "5-000001", "code": "XXXX"})
    assert wrong.status_code == 200 and "未找到" in wrong.text and "¥1,000.00" not in wrong.text
    await receipts.void_receipt(first["id"], "重开", ORGANIZER, reissue=True)
    page = await client.get(
        "/receipts/verify", params={"number": "5-000001", "code": first["verification_code"]}
    )
    assert "已作废" in page.text and "5-000002" in page.text
    bad = await client.get("/receipts/verify", params={"number": "abc", "code": "x"})
    assert bad.status_code == 400


async def test_the_in_process_kick_delivers_right_after_commit(clean_db, sink, monkeypatch):
    settings = dataclasses.replace(get_settings(), outbox_kick=True)
    monkeypatch.setattr(outbox, "get_settings", lambda: settings)
    payment_id, _ = await settled_payment(100_000)
    # No relay call: the commit of the payment kicked it, in process (no REDIS_URL).
    assert len(sink.messages) == 1
    assert await Receipt.count().where(Receipt.payment == payment_id) == 1
