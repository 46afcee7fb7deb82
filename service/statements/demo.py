"""Demo data for statements: the subdistrict's bank account and one day of its ICBC
export against the open edition — a transfer quoting a pledge code cut short by the bank,
one matched by the payer's name and exact amount, one nobody pledged, and the bank's fee.
Loaded once (the account's presence says so); nothing is applied, the treasurer does that
on /console/bank-statements."""

from __future__ import annotations

import datetime as dt
import io

from service.audit.services import Actor
from service.clock import today
from service.events.tables import Event
from service.pledges.money import unpaid_pledges
from service.pledges.tables import Pledge
from service.statements.accounts import add_account
from service.statements.importing import import_statement_file
from service.statements.tables import StatementAccount

DEMO = Actor("demo loader")
ACCOUNT = "望江街道众筹专户（演示）"
NUMBER = "3301000000000000000"
HOLDER = "杭州市上城区望江街道民生实事公益众筹会（演示）"


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


async def load_statement_demo(event_number: int) -> bool:
    """Register the demo account and import its statement; False when already there."""
    if await StatementAccount.exists().where(StatementAccount.name == ACCOUNT):
        return False
    event = await Event.select(Event.id).where(Event.number == event_number).first()
    if event is None:
        return False
    account_id = await add_account(ACCOUNT, "bank", NUMBER, HOLDER, DEMO)
    owed = await unpaid_pledges(Pledge.event == event["id"], limit=2)
    day = today() - dt.timedelta(days=1)
    rows = []  # (time, credit fen, debit fen, payer, payer account, remark)
    if owed:
        first = owed[0]
        rows.append(
            (
                "09:12:40",
                first.outstanding_fen,
                0,
                first.donor_name,
                "6222021202010001111",
                f"民生实事认捐款{first.code[:8]}",
            )
        )
    if len(owed) > 1:
        second = owed[1]
        rows.append(
            (
                "10:05:13",
                second.outstanding_fen,
                0,
                second.donor_name,
                "6228480322330002222",
                "捐款",
            )
        )
    rows.append(("11:47:02", 20_000, 0, "陈阿姨", "6217000011110003333", "现场扫码捐赠"))
    rows.append(("17:00:00", 0, 1_500, "中国工商银行", "", "手续费"))
    balance = 5_000_000
    lines = [
        "中国工商银行 账户明细",
        f"账号：{NUMBER}",
        f"户名：{HOLDER}",
        f"币种：人民币,起止日期：{day} 至 {day}",
        "交易日期,交易时间,收入金额(元),支出金额(元),账户余额(元),对方户名,对方账号,摘要,附言",
    ]
    for time, credit, debit, payer, payer_account, remark in rows:
        balance += credit - debit
        lines.append(
            f'{day},{time},"{_yuan(credit) if credit else ""}","{_yuan(debit) if debit else ""}",'
            f'"{_yuan(balance)}",{payer},{payer_account},{"汇入" if credit else "收费"},{remark}'
        )
    lines.append("合计")
    data = ("\r\n".join(lines) + "\r\n").encode("gb18030")
    await import_statement_file(
        io.BytesIO(data), DEMO, account_id=account_id, file_name="工行账户明细（演示）.csv"
    )
    return True
