"""Statement files in the layouts of service/statements/layouts.py, written the way each
bank or wallet exports them (encoding, file type, metadata above the header, footer).

`python -m tests.statement_samples` rewrites tests/fixtures/statements/; tests also call
the writers with their own lines (e.g. remarks carrying real pledge codes).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "statements"
BANK_ACCOUNT = "33050161234500001234"
WECHAT_MERCHANT = "1609876543"
ALIPAY_ACCOUNT = "2088123456789012"
HOLDER = "杭州市上城区望江街道办事处民生实事众筹专户"


@dataclass(frozen=True)
class Sample:
    when: dt.datetime
    amount_fen: int
    """Positive: money in; negative: money out (a fee, a refund)."""
    payer: str
    payer_account: str = ""
    remark: str = ""
    fee_fen: int = 0
    txn: str = ""


def yuan(fen: int, sep: bool = True) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    whole = f"{fen // 100:,}" if sep else str(fen // 100)
    return f"{sign}{whole}.{fen % 100:02d}"


def default_lines() -> list[Sample]:
    day = dt.datetime(2026, 11, 28, 9, 31, 5)
    return [
        Sample(day, 100_000, "孙八", "6222021202012345678", "孙八 认捐 民生实事", 600, "T001"),
        Sample(
            day + dt.timedelta(minutes=7),
            50_000,
            "周九",
            "6228480322334455667",
            "捐款 周九",
            300,
            "T002",
        ),
        Sample(
            day + dt.timedelta(hours=1),
            20_000,
            "王小二",
            "6217000011112222333",
            "现场捐赠",
            120,
            "T003",
        ),
        Sample(day + dt.timedelta(hours=2), -1_500, "中国银行", "", "手续费", 0, "T004"),
    ]


def _balances(lines: Sequence[Sample], start: int = 1_000_000) -> list[int]:
    out, balance = [], start
    for line in lines:
        balance += line.amount_fen
        out.append(balance)
    return out


def _csv(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def icbc_csv(lines: Sequence[Sample]) -> bytes:
    """ICBC: GBK CSV, metadata block, split 收入/支出 columns with units, 合计 footer."""
    rows: list[list[str]] = [
        ["中国工商银行 账户明细"],
        [f"账号：{BANK_ACCOUNT}"],
        [f"户名：{HOLDER}"],
        ["币种：人民币", "起止日期：2026-11-28 至 2026-11-28"],
        [],
        [
            "交易日期",
            "交易时间",
            "收入金额(元)",
            "支出金额(元)",
            "账户余额(元)",
            "对方户名",
            "对方账号",
            "摘要",
            "附言",
        ],
    ]
    for line, balance in zip(lines, _balances(lines), strict=True):
        rows.append(
            [
                line.when.strftime("%Y-%m-%d"),
                line.when.strftime("%H:%M:%S"),
                yuan(line.amount_fen) if line.amount_fen > 0 else "",
                yuan(-line.amount_fen) if line.amount_fen < 0 else "",
                yuan(balance),
                line.payer,
                line.payer_account,
                "汇入" if line.amount_fen > 0 else "收费",
                line.remark,
            ]
        )
    credits = sum(x.amount_fen for x in lines if x.amount_fen > 0)
    debits = -sum(x.amount_fen for x in lines if x.amount_fen < 0)
    rows.append(["合计", "", yuan(credits), yuan(debits)])
    rows.append(["说明：本明细仅供参考，以银行记账为准"])
    return _csv(rows).encode("gbk")


def abc_xls(lines: Sequence[Sample]) -> bytes:
    """ABC: legacy .xls, one signed 交易金额 column, 本次余额, dates as text 20261128."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("账户明细")
    meta = [
        ["中国农业银行账户明细"],
        [f"账户：{BANK_ACCOUNT}", f"户名：{HOLDER}"],
        ["查询日期：20261128-20261128"],
    ]
    header = [
        "交易日期",
        "交易时间",
        "交易金额",
        "本次余额",
        "对方户名",
        "对方账号",
        "对方开户行",
        "交易用途",
        "摘要",
        "交易流水号",
    ]
    row = 0
    for cells in [*meta, header]:
        for col, value in enumerate(cells):
            sheet.write(row, col, value)
        row += 1
    for line, balance in zip(lines, _balances(lines), strict=True):
        cells = [
            line.when.strftime("%Y%m%d"),
            line.when.strftime("%H%M%S"),
            (("+" if line.amount_fen > 0 else "") + yuan(line.amount_fen, sep=False)),
            balance / 100,
            line.payer,
            line.payer_account,
            "",
            line.remark,
            "转账" if line.amount_fen > 0 else "手续费",
            f"ABC{line.txn}",
        ]
        for col, value in enumerate(cells):
            sheet.write(row, col, value)
        row += 1
    sheet.write(row, 0, "合计")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx(rows: Sequence[Sequence[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("明细")
    for cells in rows:
        sheet.append(list(cells))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def boc_xlsx(lines: Sequence[Sample]) -> bytes:
    """BOC: bilingual headers, signed 交易金额, payer in 付款人名称/账号, our account in
    收款人账号 (for credits)."""
    header = [
        "交易类型[ Transaction Type ]",
        "付款人账号[ Debit Account No. ]",
        "付款人名称[ Payer's Name ]",
        "收款人账号[ Payee's Account Number ]",
        "收款人名称[ Payee's Name ]",
        "交易日期[ Transaction Date ]",
        "交易时间[ Transaction time ]",
        "交易金额[ Trade Amount ]",
        "交易后余额[ After-transaction balance ]",
        "交易流水号[ Transaction reference number ]",
        "摘要[ Reference ]",
        "用途[ Purpose ]",
        "交易附言[ Remark ]",
    ]
    rows: list[list[object]] = [
        ["中国银行 交易明细 Transaction Details"],
        [f"查询账号[ Inquirer account number ]：{BANK_ACCOUNT}"],
        header,
    ]
    for line, balance in zip(lines, _balances(lines), strict=True):
        incoming = line.amount_fen > 0
        rows.append(
            [
                "来账" if incoming else "往账",
                line.payer_account if incoming else BANK_ACCOUNT,
                line.payer if incoming else HOLDER,
                BANK_ACCOUNT if incoming else line.payer_account,
                HOLDER if incoming else line.payer,
                line.when.strftime("%Y%m%d"),
                line.when.strftime("%H:%M:%S"),
                line.amount_fen / 100,
                balance / 100,
                f"BOC{line.txn}",
                "转账",
                "",
                line.remark,
            ]
        )
    return _xlsx(rows)


def ccb_xlsx(lines: Sequence[Sample]) -> bytes:
    """CCB: date and time in one 交易时间 cell (a real spreadsheet datetime), split
    借方发生额（支取）/贷方发生额（收入） columns."""
    header = [
        "交易时间",
        "借方发生额（支取）",
        "贷方发生额（收入）",
        "余额",
        "币种",
        "对方户名",
        "对方账号",
        "对方开户机构",
        "记账日期",
        "摘要",
        "备注",
        "账户明细编号-交易流水号",
    ]
    rows: list[list[object]] = [
        ["中国建设银行单位账户明细"],
        ["账号", BANK_ACCOUNT],
        ["账户名称", HOLDER],
        [],
        header,
    ]
    for line, balance in zip(lines, _balances(lines), strict=True):
        rows.append(
            [
                line.when,
                (-line.amount_fen) / 100 if line.amount_fen < 0 else None,
                line.amount_fen / 100 if line.amount_fen > 0 else None,
                balance / 100,
                "人民币",
                line.payer,
                line.payer_account,
                "",
                line.when.strftime("%Y%m%d"),
                "转账存入" if line.amount_fen > 0 else "收费",
                line.remark,
                f"CCB-{line.txn}",
            ]
        )
    rows.append(["合计笔数", len(lines)])
    return _xlsx(rows)


def hzbank_csv(lines: Sequence[Sample]) -> bytes:
    """Bank of Hangzhou: UTF-8 with BOM, 2026年11月28日 dates, ¥ amounts."""
    rows: list[list[str]] = [
        ["杭州银行账户交易明细"],
        [f"账号:{BANK_ACCOUNT}", f"户名:{HOLDER}"],
        [
            "记账日期",
            "交易时间",
            "借方金额",
            "贷方金额",
            "账户余额",
            "对方账号",
            "对方户名",
            "对方行名",
            "用途",
            "摘要",
            "交易流水号",
        ],
    ]
    for line, balance in zip(lines, _balances(lines), strict=True):
        rows.append(
            [
                f"{line.when.year}年{line.when.month}月{line.when.day}日",
                line.when.strftime("%H:%M:%S"),
                f"¥{yuan(-line.amount_fen)}" if line.amount_fen < 0 else "",
                f"¥{yuan(line.amount_fen)}" if line.amount_fen > 0 else "",
                f"¥{yuan(balance)}",
                line.payer_account,
                line.payer,
                "",
                line.remark,
                "网银转入" if line.amount_fen > 0 else "手续费",
                f"HZ{line.txn}",
            ]
        )
    rows.append(["本页合计", "", "", ""])
    return ("\ufeff" + _csv(rows)).encode("utf-8")


def wechat_csv(lines: Sequence[Sample]) -> bytes:
    """WeChat Pay trade bill (ALL): every field behind a backtick, REFUND lines for money
    out, a summary header and line at the end; UTF-8."""
    header = [
        "交易时间",
        "公众账号ID",
        "商户号",
        "特约商户号",
        "设备号",
        "微信订单号",
        "商户订单号",
        "用户标识",
        "交易类型",
        "交易状态",
        "付款银行",
        "货币种类",
        "应结订单金额",
        "代金券金额",
        "微信退款单号",
        "商户退款单号",
        "退款金额",
        "充值券退款金额",
        "退款类型",
        "退款状态",
        "商品名称",
        "商户数据包",
        "手续费",
        "费率",
        "订单金额",
        "申请退款金额",
        "费率备注",
    ]
    rows: list[list[str]] = [header]
    for line in lines:
        refund = line.amount_fen < 0
        amount = yuan(abs(line.amount_fen), sep=False)
        cells = [
            line.when.strftime("%Y-%m-%d %H:%M:%S"),
            "wx8888888888888888",
            WECHAT_MERCHANT,
            "0",
            "",
            f"4200001{line.txn.zfill(20)}",
            f"ORDER{line.txn}",
            f"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o{line.txn}",
            "NATIVE",
            "REFUND" if refund else "SUCCESS",
            "OTHERS",
            "CNY",
            "0.00" if refund else amount,
            "0.00",
            f"5030{line.txn}" if refund else "0",
            f"R{line.txn}" if refund else "0",
            amount if refund else "0.00",
            "0.00",
            "ORIGINAL" if refund else "",
            "SUCCESS" if refund else "",
            "民生实事众筹",
            line.remark,
            yuan(-line.fee_fen if refund else line.fee_fen, sep=False),
            "0.60%",
            "0.00" if refund else amount,
            amount if refund else "0.00",
            "",
        ]
        rows.append(["`" + c for c in cells])
    rows.append(
        [
            "总交易单数",
            "应结订单总金额",
            "退款总金额",
            "充值券退款总金额",
            "手续费总金额",
            "订单总金额",
            "申请退款总金额",
        ]
    )
    rows.append(["`" + str(len(lines)), "`0.00", "`0.00", "`0.00", "`0.00", "`0.00", "`0.00"])
    return _csv(rows).encode("utf-8")


def alipay_csv(lines: Sequence[Sample]) -> bytes:
    """Alipay 业务明细: GBK, '#' metadata and footer lines, 服务费 negative."""
    header = [
        "支付宝交易号",
        "商户订单号",
        "业务类型",
        "商品名称",
        "创建时间",
        "完成时间",
        "门店编号",
        "门店名称",
        "操作员",
        "终端号",
        "对方账户",
        "订单金额（元）",
        "商家实收（元）",
        "支付宝红包（元）",
        "集分宝（元）",
        "支付宝优惠（元）",
        "商家优惠（元）",
        "券核销金额（元）",
        "券名称",
        "商家红包消费金额（元）",
        "卡消费金额（元）",
        "退款批次号/请求号",
        "服务费（元）",
        "分润（元）",
        "备注",
    ]
    rows: list[list[str]] = [
        ["#支付宝业务明细查询"],
        [f"#账号：[{ALIPAY_ACCOUNT}]"],
        ["#起始日期：[2026年11月28日 00:00:00]   终止日期：[2026年11月29日 00:00:00]"],
        [
            "#-----------------------------------------业务明细列表----------------------------------------"
        ],
        header,
    ]
    for line in lines:
        refund = line.amount_fen < 0
        when = line.when.strftime("%Y-%m-%d %H:%M:%S")
        rows.append(
            [
                f"2026112822001{line.txn.zfill(15)}\t",
                f"ORDER{line.txn}\t",
                "退款" if refund else "交易",
                "民生实事众筹",
                when,
                when,
                "",
                "",
                "",
                "",
                f"{line.payer[:1]}**({line.payer_account[-4:]})",
                yuan(line.amount_fen, sep=False),
                yuan(line.amount_fen - line.fee_fen, sep=False),
                "0.00",
                "0.00",
                "0.00",
                "0.00",
                "0.00",
                "",
                "0.00",
                "0.00",
                "",
                yuan(line.fee_fen if refund else -line.fee_fen, sep=False),
                "0.00",
                line.remark,
            ]
        )
    rows.append(
        [
            "#-----------------------------------------业务明细列表结束------------------------------------"
        ]
    )
    rows.append(["#交易合计：3笔，商家实收共1,692.00元，商家优惠共0.00元"])
    rows.append(["#导出时间：[2026年11月29日 10:01:22]"])
    return _csv(rows).encode("gbk")


WRITERS: dict[str, tuple[str, Callable[[Sequence[Sample]], bytes]]] = {
    "icbc": ("icbc.csv", icbc_csv),
    "abc": ("abc.xls", abc_xls),
    "boc": ("boc.xlsx", boc_xlsx),
    "ccb": ("ccb.xlsx", ccb_xlsx),
    "hzbank": ("hzbank.csv", hzbank_csv),
    "wechat_pay": ("wechat_pay.csv", wechat_csv),
    "alipay": ("alipay.csv", alipay_csv),
}


def wallet_lines() -> list[Sample]:
    """Wallet payers are masked; the payer writes their name in the order remark."""
    lines = default_lines()
    return [
        *lines[:3],
        Sample(lines[3].when, -20_000, "王小二", "6217000011112222333", "退款", 120, "T004"),
    ]


def lines_for(layout: str) -> list[Sample]:
    return wallet_lines() if layout in ("wechat_pay", "alipay") else default_lines()


def main() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for layout, (name, writer) in WRITERS.items():
        (FIXTURES / name).write_bytes(writer(lines_for(layout)))
        print(f"wrote {FIXTURES / name}")


if __name__ == "__main__":
    main()
