"""The statements console over HTTP: accounts, the mapping of an unknown layout, bulk
confirmation, an anonymous gift, and the errors a treasurer sees."""

from __future__ import annotations

import re

from service.payments.tables import Payment
from service.pledges.codes import pledge_code
from service.pledges.tables import Pledge
from service.receipts.tables import Receipt
from service.statements.tables import StatementEntry, StatementMapping
from tests import factories
from tests.e2e.test_statements_browser import FIRST, SECOND
from tests.factories import TEST_ACTOR, donor_draft
from tests.pledge_helpers import HTML, csrf_token, log_in

PAGE = "/console/bank-statements"


async def test_mapping_flow_bulk_confirm_and_gift_over_http(client):
    from service.pledges.services import PledgeDraft, create_pledge

    await log_in(client)
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(5_000_000,))
    sun = (
        await create_pledge(
            PledgeDraft(event.number, project, donor_draft("孙八"), 100_000), TEST_ACTOR
        )
    ).pledge_id
    token = await csrf_token(client, PAGE)
    added = await client.post(
        f"{PAGE}/accounts",
        data={
            "_csrf_token": token,
            "name": "农商行基本户",
            "provider": "bank",
            "number": "6228880012345678",
        },
        headers=HTML,
    )
    account = added.headers["location"].rsplit("=", 1)[1]

    upload = await client.post(
        PAGE,
        data={"_csrf_token": token},
        files={"file": ("x.csv", FIRST.encode("gbk"), "text/csv")},
        headers=HTML,
    )
    assert upload.status_code == 200 and 'id="statement-preview"' in upload.text
    stash = re.search(r'name="upload" value="([0-9a-f]{64})"', upload.text).group(1)
    form = {"_csrf_token": token, "upload": stash, "account": account, "mapping_name": "农商行"}

    missing_date = await client.post(
        f"{PAGE}/mapping", data={**form, "credit": "进账"}, headers=HTML
    )
    assert missing_date.status_code == 400 and "choose the column holding the date" in (
        missing_date.text
    )
    assert await StatementMapping.count() == 0

    columns = {
        "date": "入账日",
        "time": "时刻",
        "credit": "进账",
        "debit": "出账",
        "payer": "汇款人",
        "remark": "说明",
        "txn_id": "凭证号",
    }
    wrong = await client.post(
        f"{PAGE}/mapping", data={**form, **columns, "date": "汇款人"}, headers=HTML
    )  # the payer's name is not a date: the mapping is not kept, nothing is imported
    assert wrong.status_code == 400 and "column 汇款人" in wrong.text
    assert await StatementMapping.count() == 0 and await StatementEntry.count() == 0

    mapped = await client.post(f"{PAGE}/mapping", data={**form, **columns}, headers=HTML)
    assert mapped.status_code == 200, mapped.text[:2000]
    assert "新增收入 2 行、支出 1 行" in mapped.text

    bulk = await client.post(
        f"{PAGE}/confirm-certain", data={"_csrf_token": token, "account": account}, headers=HTML
    )
    assert bulk.status_code == 303 and "applied=1" in bulk.headers["location"]
    assert (await Pledge.select(Pledge.status).where(Pledge.id == sun).first())["status"] == "paid"

    stranger = await StatementEntry.select().where(StatementEntry.payer == "路过的人").first()
    bad_target = await client.post(
        f"{PAGE}/{stranger['id']}/gift",
        data={"_csrf_token": token, "target": "x"},
        headers=HTML,
    )
    assert bad_target.status_code == 400
    gift = await client.post(
        f"{PAGE}/{stranger['id']}/gift",
        data={"_csrf_token": token, "target": f"{event.number}:{project}"},
        headers=HTML,
    )
    assert gift.status_code == 303
    payment = await Payment.select().where(Payment.amount_fen == 6_600).first()
    assert await Receipt.exists().where(Receipt.payment == payment["id"])
    twice = await client.post(
        f"{PAGE}/{stranger['id']}/gift",
        data={"_csrf_token": token, "target": f"{event.number}:{project}"},
        headers=HTML,
    )
    assert twice.status_code == 422 and await Payment.count() == 2

    second = await client.post(
        PAGE,
        data={"_csrf_token": token, "account": account},
        files={"file": ("y.csv", SECOND.encode("gbk"), "text/csv")},
        headers=HTML,
    )
    assert "新增收入 1 行、支出 0 行，已导入过 3 行" in second.text
    # an unmatched credit assigned to a pledge by its code
    other = (
        await create_pledge(
            PledgeDraft(event.number, project, donor_draft("周九的公司"), 80_000), TEST_ACTOR
        )
    ).pledge_id
    zhou = await StatementEntry.select().where(StatementEntry.payer == "周九").first()
    assert zhou["status"] == "unmatched"
    unknown_code = await client.post(
        f"{PAGE}/{zhou['id']}/confirm",
        data={"_csrf_token": token, "pledge_id": "MS00000000"},
        headers=HTML,
    )
    assert unknown_code.status_code == 400
    assigned = await client.post(
        f"{PAGE}/{zhou['id']}/confirm",
        data={"_csrf_token": token, "pledge_id": pledge_code(other).lower()},
        headers=HTML,
    )
    assert assigned.status_code == 303
    row = await Pledge.select(Pledge.status).where(Pledge.id == other).first()
    assert row["status"] == "partially_paid"

    page = await client.get(PAGE, headers=HTML)
    assert "手续费" in page.text and "路过的人" in page.text
