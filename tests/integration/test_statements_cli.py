"""`minsheng import bank-statement` and `minsheng statements …` through the real command."""

from __future__ import annotations

import uuid

from service.payments.tables import Payment
from service.statements import services
from service.statements.tables import StatementEntry
from tests import factories
from tests.factories import TEST_ACTOR, donor_draft
from tests.integration.test_cli import minsheng
from tests.statement_samples import FIXTURES

UNKNOWN = '入账日,进账,汇款人,说明\n2026/11/28,"1,000.00",孙八,捐款\n2026/11/28,20.00,路人,捐款\n'


async def test_import_confirm_and_refuse_from_the_command_line(clean_db, tmp_path):
    from service.pledges.services import PledgeDraft, create_pledge

    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(5_000_000,))
    await create_pledge(
        PledgeDraft(event.number, project, donor_draft("孙八"), 100_000), TEST_ACTOR
    )
    await create_pledge(PledgeDraft(event.number, project, donor_draft("周九"), 50_000), TEST_ACTOR)

    added = minsheng("statements", "add-account", "工行专户", "--number", "33050161234500001234")
    assert added.returncode == 0, added.stderr
    imported = minsheng("import", "bank-statement", str(FIXTURES / "icbc.csv"))
    assert imported.returncode == 0, imported.stderr
    assert "工行专户 (icbc): 4 lines read, 3 new credits, 1 new debits" in imported.stdout
    assert "importing icbc.csv" in imported.stdout  # the progress bar
    confirmed = minsheng("statements", "confirm-certain", "--account", "工行专户")
    assert confirmed.returncode == 0 and "2 lines applied" in confirmed.stdout
    again = minsheng(
        "import", "bank-statement", str(FIXTURES / "icbc.csv"), "--account", "工行专户"
    )
    assert "0 new credits, 0 new debits, 4 already imported" in again.stdout
    assert await Payment.count() == 2

    # a bad date: refused, line and column named, nothing stored
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        (FIXTURES / "icbc.csv")
        .read_bytes()
        .decode("gbk")
        .replace("2026-11-28,09:31:05", "11/28/26,09:31:05")
        .encode("gbk")
    )
    count = await StatementEntry.count()
    refused = minsheng("import", "bank-statement", str(bad))
    assert refused.returncode == 1
    assert "line 7, column 交易日期" in refused.stderr
    assert await StatementEntry.count() == count

    # an unknown layout: refused until a mapping is saved; then taken by name
    other = tmp_path / f"{uuid.uuid4().hex}.csv"
    other.write_bytes(UNKNOWN.encode("gb18030"))
    unknown = minsheng("import", "bank-statement", str(other), "--account", "工行专户")
    assert unknown.returncode == 1 and "map its columns" in unknown.stderr
    account = await services.account_by_name("工行专户")
    await services.save_mapping(
        account["id"],
        "手工表",
        {"date": "入账日", "credit": "进账", "payer": "汇款人", "remark": "说明"},
        TEST_ACTOR,
    )
    mapped = minsheng(
        "import", "bank-statement", str(other), "--account", "工行专户", "--mapping", "手工表"
    )
    assert mapped.returncode == 0, mapped.stderr
    assert "2 new credits" in mapped.stdout
    listed = minsheng("statements", "accounts")
    assert "手工表" in listed.stdout
    layouts = minsheng("statements", "layouts")
    assert "pay.weixin.qq.com" in layouts.stdout
