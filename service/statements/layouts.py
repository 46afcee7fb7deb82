"""Known statement layouts, described as data and recognised by their header row.

A layout says which header names (and synonyms) hold each *role* of a line, how a
credit is told from a debit, and where the statement names its own account. Header
names are compared after `normal_header`: NFKC, no spaces, no units or English in
brackets, lower case — so `收入金额(元)`, `收入金额（元）` and `收入金额 ` are one name.

Roles: date, time (may be in the date cell), credit, debit, amount (one signed column),
direction (a column saying in/out), payer, payer_account, remark (every listed column
present is joined), txn_id, balance, fee, own_account (a column naming our account).

Each layout cites the published description of the export it follows (the WeChat Pay
one by its URL; the banks' by the online-banking manual section, whose column lists we
could not check against a live download). The sample files under
tests/fixtures/statements/ were made by us from these descriptions; a bank that renames
a column needs one synonym added here, not code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

ROLES = (
    "date",
    "time",
    "credit",
    "debit",
    "amount",
    "direction",
    "payer",
    "payer_account",
    "remark",
    "txn_id",
    "balance",
    "fee",
    "own_account",
)
MAPPABLE = (
    "date",
    "time",
    "credit",
    "debit",
    "amount",
    "payer",
    "payer_account",
    "remark",
    "txn_id",
)
"""The roles an organizer maps by hand for an unknown layout."""

Sign = Literal["split", "signed", "direction"]


@dataclass(frozen=True)
class Layout:
    name: str
    title: str
    provider: str
    """Payment provider the money reaches: bank, wechat_pay or alipay."""
    columns: Mapping[str, tuple[str, ...]]
    sign: Sign
    source: str = ""
    credit_words: tuple[str, ...] = ()
    """With sign="direction": values of the direction column that mean money in."""
    debit_words: tuple[str, ...] = ()
    signature: tuple[str, ...] = ()
    """Header names that must all be present (tell apart layouts sharing their roles)."""

    def required(self) -> tuple[str, ...]:
        money = {"split": ("credit",), "signed": ("amount",), "direction": ("direction",)}
        return ("date", *money[self.sign])

    def find_columns(self, header: Sequence[str]) -> dict[str, list[int]] | None:
        """Column indexes per role in this header row, or None when it is not this layout."""
        names = [normal_header(cell) for cell in header]
        found: dict[str, list[int]] = {}
        for role, synonyms in self.columns.items():
            wanted = [normal_header(s) for s in synonyms]
            if role == "remark":
                hits = [names.index(w) for w in wanted if w in names]
            else:
                hits = next(([names.index(w)] for w in wanted if w in names), [])
            if hits:
                found[role] = hits
        if any(role not in found for role in self.required()):
            return None
        if self.sign == "split" and "debit" in self.columns and "debit" not in found:
            return None
        if any(normal_header(name) not in names for name in self.signature):
            return None
        return found


_BRACKETS = re.compile(r"[\[(（【][^\])）】]*[\])）】]")


def normal_header(text: object) -> str:
    cleaned = unicodedata.normalize("NFKC", str(text or ""))
    cleaned = _BRACKETS.sub("", cleaned)
    return re.sub(r"[\s`'\"*:：#]", "", cleaned).lower()


GENERIC = "generic"

LAYOUTS: tuple[Layout, ...] = (
    # ICBC corporate online banking, 账户管理 → 明细查询 → 下载 (CSV, GBK). Source: ICBC
    # 企业网上银行 user guide, "账户明细查询" download fields (交易日期, 交易时间, 收入/支出
    # 金额, 账户余额, 对方户名, 对方账号, 摘要, 附言), as also quoted in issue 18.
    Layout(
        name="icbc",
        title="中国工商银行 账户明细",
        provider="bank",
        sign="split",
        source="ICBC 企业网上银行 账户明细查询 下载字段说明",
        columns={
            "date": ("交易日期",),
            "time": ("交易时间",),
            "credit": ("收入金额", "贷方发生额"),
            "debit": ("支出金额", "借方发生额"),
            "balance": ("账户余额", "余额"),
            "payer": ("对方户名", "对方单位名称"),
            "payer_account": ("对方账号",),
            "remark": ("附言", "用途", "摘要", "个性化信息"),
            "txn_id": ("交易流水号",),
            "own_account": ("本方账号",),
        },
    ),
    # ABC corporate online banking 账户明细查询 → 下载 Excel (.xls). Source: ABC 企业网上银行
    # 操作手册 "账户明细查询" result columns: 交易日期, 交易时间, 交易金额 (signed: 支出为负),
    # 本次余额, 对方户名, 对方账号, 对方开户行, 交易用途, 摘要, 交易流水号.
    Layout(
        name="abc",
        title="中国农业银行 账户明细",
        provider="bank",
        sign="signed",
        signature=("本次余额",),
        source="ABC 企业网上银行操作手册 账户明细查询",
        columns={
            "date": ("交易日期",),
            "time": ("交易时间",),
            "amount": ("交易金额",),
            "balance": ("本次余额", "账户余额"),
            "payer": ("对方户名",),
            "payer_account": ("对方账号",),
            "remark": ("交易用途", "摘要"),
            "txn_id": ("交易流水号",),
        },
    ),
    # BOC corporate online banking 交易明细 download (bilingual headers such as
    # "交易日期[ Transaction Date ]"). Source: BOC 企业网上银行 "账户管理-交易明细查询" export
    # description: 付款人账号/名称, 收款人账号/名称, 交易日期, 交易时间, 交易金额 (signed),
    # 交易后余额, 交易流水号, 摘要, 用途, 交易附言.
    Layout(
        name="boc",
        title="中国银行 交易明细",
        provider="bank",
        sign="signed",
        signature=("付款人名称",),
        source="BOC 企业网上银行 账户管理 交易明细查询 导出字段",
        columns={
            "date": ("交易日期",),
            "time": ("交易时间",),
            "amount": ("交易金额",),
            "balance": ("交易后余额",),
            "payer": ("付款人名称",),
            "payer_account": ("付款人账号",),
            "remark": ("交易附言", "用途", "摘要"),
            "txn_id": ("交易流水号",),
            "own_account": ("收款人账号",),
        },
    ),
    # CCB corporate online banking 账户查询 → 明细查询 → 下载. Source: CCB 企业网上银行
    # 操作指南 "账户明细" fields: 交易时间 (date and time in one cell), 借方发生额（支取）,
    # 贷方发生额（收入）, 余额, 对方户名, 对方账号, 摘要, 备注, 账户明细编号-交易流水号.
    Layout(
        name="ccb",
        title="中国建设银行 账户明细",
        provider="bank",
        sign="split",
        source="CCB 企业网上银行操作指南 账户明细查询",
        columns={
            "date": ("交易时间", "记账日期"),
            "credit": ("贷方发生额",),
            "debit": ("借方发生额",),
            "balance": ("余额",),
            "payer": ("对方户名",),
            "payer_account": ("对方账号",),
            "remark": ("备注", "摘要"),
            "txn_id": ("账户明细编号-交易流水号",),
        },
    ),
    # Bank of Hangzhou corporate online banking 账户明细下载 (CSV). Source: 杭州银行企业网上银行
    # 用户手册 "账户明细查询": 记账日期, 交易时间, 借方金额, 贷方金额, 账户余额, 对方账号,
    # 对方户名, 用途, 摘要, 交易流水号.
    Layout(
        name="hzbank",
        title="杭州银行 账户明细",
        provider="bank",
        sign="split",
        source="杭州银行企业网上银行用户手册 账户明细查询",
        columns={
            "date": ("记账日期",),
            "time": ("交易时间",),
            "credit": ("贷方金额",),
            "debit": ("借方金额",),
            "balance": ("账户余额",),
            "payer": ("对方户名",),
            "payer_account": ("对方账号",),
            "remark": ("用途", "摘要"),
            "txn_id": ("交易流水号",),
        },
    ),
    # WeChat Pay merchant trade bill (交易账单, type ALL). Source:
    # https://pay.weixin.qq.com/docs/merchant/products/bill-download/format-trade.html —
    # comma separated, every field prefixed with a backtick, detail header then a summary
    # header (总交易单数…) and its line; 交易状态 SUCCESS = payment, REFUND = refund.
    Layout(
        name="wechat_pay",
        title="微信支付 商户交易账单",
        provider="wechat_pay",
        sign="direction",
        source="https://pay.weixin.qq.com/docs/merchant/products/bill-download/format-trade.html",
        credit_words=("success",),
        debit_words=("refund",),
        signature=("微信订单号",),
        columns={
            "date": ("交易时间",),
            "direction": ("交易状态",),
            "credit": ("订单金额", "应结订单金额"),
            "debit": ("退款金额", "申请退款金额"),
            "payer_account": ("用户标识",),
            "remark": ("商品名称", "商户数据包", "商户订单号"),
            "txn_id": ("微信订单号",),
            "fee": ("手续费",),
            "own_account": ("商户号",),
        },
    ),
    # Alipay merchant bill, 业务明细 (trade details) as downloaded from
    # alipay.data.dataservice.bill.downloadurl.query (bill_type=trade) or 商家中心 → 对账中心.
    # Source: Alipay open platform, alipay.data.dataservice.bill.downloadurl.query
    # (查询对账单下载地址) and its 业务明细 file format: '#' metadata lines (#账号：[…],
    # #起始日期…), header, lines, '#-----业务明细列表结束' and totals; GBK.
    Layout(
        name="alipay",
        title="支付宝 业务明细",
        provider="alipay",
        sign="direction",
        source="Alipay 开放平台 alipay.data.dataservice.bill.downloadurl.query 业务明细",
        credit_words=("交易",),
        debit_words=("退款",),
        signature=("支付宝交易号",),
        columns={
            "date": ("完成时间", "创建时间"),
            "direction": ("业务类型",),
            "credit": ("订单金额",),
            "debit": ("订单金额",),
            "payer": ("对方账户",),
            "remark": ("备注", "商品名称", "商户订单号"),
            "txn_id": ("支付宝交易号",),
            "fee": ("服务费",),
        },
    ),
    # The plain layout this project accepted first (日期,金额,付款人,附言) and the usual
    # words of other exports; tried last.
    Layout(
        name=GENERIC,
        title="通用格式",
        provider="bank",
        sign="signed",
        source="minsheng's own hand-made format",
        columns={
            "date": ("日期", "date", "交易日期", "记账日期", "入账日期"),
            "time": ("时间", "time"),
            "amount": ("金额", "amount", "交易金额", "发生额"),
            "balance": ("余额", "balance"),
            "payer": ("付款人", "对方户名", "对方名称", "付款方", "counterparty", "name"),
            "payer_account": ("付款账号", "对方账号"),
            "remark": ("附言", "摘要", "用途", "备注", "reference", "remark"),
            "txn_id": ("流水号", "交易流水号"),
        },
    ),
)

BY_NAME = {layout.name: layout for layout in LAYOUTS}


@dataclass(frozen=True)
class Recognised:
    layout: Layout
    columns: dict[str, list[int]]
    header: list[str] = field(default_factory=list)


def recognise(row: Sequence[str], only: Layout | None = None) -> Recognised | None:
    """The first layout (or `only`) whose required columns this row names."""
    for layout in (only,) if only else LAYOUTS:
        columns = layout.find_columns(row)
        if columns is not None:
            return Recognised(layout, columns, [str(c) for c in row])
    return None


def mapping_layout(name: str, columns: Mapping[str, str | list[str]]) -> Layout:
    """A layout built from an organizer's column mapping (role → header name)."""
    described: dict[str, tuple[str, ...]] = {}
    for role, value in columns.items():
        names = [value] if isinstance(value, str) else list(value)
        names = [n for n in names if n]
        if names:
            described[role] = tuple(names)
    sign: Sign = "signed" if "amount" in described else "split"
    return Layout(
        name=f"mapping:{name}",
        title=name,
        provider="bank",
        sign=sign,
        source="organizer's mapping",
        columns=described,
    )
