"""The transparency report as a PDF, Chinese text in the receipts' embedded CJK font
(service.receipts.pdf.register_font), built with reportlab's platypus. Same figures, same
bytes (invariant mode: no timestamps or random ids)."""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from service.money import format_yuan
from service.receipts.pdf import FONT_NAME, register_font

STATES = {
    "overdue": "已逾期",
    "due": "即将到期",
    "upcoming": "未到期",
    "satisfied": "已公示",
    "none": "未开工",
}
STATUS = {
    "published": "已发布",
    "funded": "已筹满",
    "in_progress": "实施中",
    "completed": "已完成",
    "cancelled": "已取消",
    "approved": "审核通过",
}


def _table(rows: list[list[str]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3d6db")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("ALIGN", (2, 1), (-2, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def render_report(figures: dict[str, Any], title: str) -> bytes:
    register_font()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        author="minsheng",
        invariant=1,
    )
    heading = ParagraphStyle("h", fontName=FONT_NAME, fontSize=15, leading=20)
    body = ParagraphStyle("b", fontName=FONT_NAME, fontSize=9, leading=13)
    totals = figures["totals"]
    head = figures["ledger_head"]
    story: list[Any] = [
        Paragraph(title, heading),
        Paragraph(
            f"截至 {figures['as_of']} · 账本位置 {head['seq']} · 链头哈希 {head['hash']}", body
        ),
        Spacer(1, 4 * mm),
        _table(
            [
                ["已筹（到账）", "配捐", "退款", "手续费", "已拨付", "转出/转入", "结余"],
                [
                    format_yuan(totals[k])
                    for k in (
                        "raised",
                        "matched",
                        "refunded",
                        "fees",
                        "disbursed",
                        "reallocated",
                        "balance",
                    )
                ],
            ],
            [38 * mm] * 7,
        ),
        Spacer(1, 4 * mm),
        Paragraph("各项目资金与信息公开", body),
    ]
    rows = [["项目", "状态", "目标", "已筹", "配捐", "已拨付", "结余", "信息公开"]]
    for p in figures["projects"]:
        rows.append(
            [
                Paragraph(p["title"], body),
                STATUS.get(p["status"], p["status"]),
                format_yuan(p["target"]),
                format_yuan(p["raised"]),
                format_yuan(p["matched"]),
                format_yuan(p["disbursed"]),
                format_yuan(p["balance"]),
                STATES.get(p["disclosure"], p["disclosure"]),
            ]
        )
    story.append(
        _table(rows, [78 * mm, 18 * mm, 26 * mm, 26 * mm, 24 * mm, 26 * mm, 24 * mm, 22 * mm])
    )
    receipts = figures["receipts"]
    story += [
        Spacer(1, 4 * mm),
        Paragraph(
            f"收据：开具 {receipts['issued']} 张，金额 {format_yuan(receipts['issued_fen'])}；"
            f"作废 {receipts['voided']} 张；捐赠人谢绝 {receipts['declined']} 张。",
            body,
        ),
    ]
    if figures["matching_pools"]:
        pool_rows = [["配捐池", "出资方", "注资", "已配捐", "余额"]]
        for pool in figures["matching_pools"]:
            pool_rows.append(
                [
                    pool["name"],
                    pool["sponsor"],
                    format_yuan(pool["funded"]),
                    format_yuan(pool["allocated"]),
                    format_yuan(pool["unallocated"]),
                ]
            )
        story += [
            Spacer(1, 4 * mm),
            _table(pool_rows, [60 * mm, 70 * mm, 40 * mm, 40 * mm, 40 * mm]),
        ]
    story += [
        Spacer(1, 4 * mm),
        Paragraph(
            "本报告由资金台账生成：以 minsheng ledger verify --head 上述链头哈希 "
            "可核对账本未被改动；同一链头重新生成，数字完全相同。",
            body,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()
