"""The 5th edition's money out, in calendar order: every project was built, so its money
was requested with invoices, approved by a second organizer, paid to the implementer and
reported on — started, milestone reached, completed, accepted (the final disclosure).

Each project starts in June 2017 (a few days apart); a deposit on every budget line is
paid a week after the start, the balance after completion. Lifts for old blocks take
longer than six months, so they also carry the quarterly disclosures the rule asks for.
Everything goes through the disbursement and progress services; the two organizers who
request and approve are inactive accounts (nobody can log in as them).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from service.audit.services import Actor
from service.auth.tables import StaffUser
from service.disbursements import evidence as files
from service.disbursements.services import (
    DisbursementDraft,
    EvidenceRecord,
    approve_disbursement,
    mark_disbursement_paid,
    request_disbursement,
)
from service.disbursements.tables import Disbursement, DisbursementEvidence
from service.events.tables import Event
from service.progress.tables import ProgressReport
from service.projects.tables import BudgetLine, Project

FIRST_START = dt.date(2017, 6, 5)
NO_PASSWORD = "!"  # noqa: S105 - not a hash of anything: these accounts never log in
DEPOSIT_PERCENT = {"equipment": 60, "construction": 60, "service": 50, "operation": 50}


@dataclass(frozen=True)
class Story:
    """What each stage of one kind of project is called in its reports."""

    started: str
    milestone: str
    completed: str
    accepted: str
    months: int = 3  # from start to completion


STORIES = {
    "health": Story(
        "施工队进场，诊室与候诊区开始改造",
        "诊疗与理疗设备到货安装，完成调试",
        "卫生服务站开诊，居民在家门口看病配药",
        "通过验收，公开设备清单与全部支出",
    ),
    "elderly_care": Story(
        "场地改造开工，厨房设备下单",
        "厨房设备安装完毕，就餐区改造完成",
        "老年食堂开餐，首批老人登记助餐",
        "通过验收，公开资金使用与助餐名单统计",
    ),
    "accessibility": Story(
        "电梯井道开挖，管线迁移开始",
        "井道结构封顶，电梯设备进场",
        "电梯通过特种设备检验，正式运行",
        "竣工验收，公开结算与居民自筹、补贴构成",
        months=8,
    ),
    "fire_safety": Story(
        "消防器材采购启动",
        "器材到位，完成楼道安装与站点布置",
        "微型消防设施投入使用，开展居民演练",
        "通过验收，公开采购与安装明细",
    ),
}
DEFAULT_STORY = Story(
    "项目启动，实施方进场",
    "主要工作完成过半",
    "项目建成交付使用",
    "通过验收，公开资金使用明细",
)


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF stand-in for a scanned invoice (ASCII text; reportlab not needed)."""
    text = " ".join(f"({line}) Tj T*" for line in lines)
    stream = f"BT /F1 11 Tf 14 TL 60 760 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _evidence(title: str, lines: list[str], public: bool, kind: str) -> EvidenceRecord:
    checked = files.check_file(_pdf(lines), "evidence")
    return EvidenceRecord(
        stored_name=files.write_file(checked),
        media_type=checked.media_type,
        size_bytes=checked.size_bytes,
        sha256=checked.sha256,
        kind=DisbursementEvidence.Kind(kind),
        title=title,
        public=public,
    )


async def _organizers() -> tuple[Actor, Actor]:
    actors = []
    for username, name in (("demo-finance", "财务（演示）"), ("demo-reviewer", "复核（演示）")):
        row = await StaffUser.select(StaffUser.id).where(StaffUser.username == username).first()
        if row is None:
            user = StaffUser(
                username=username,
                display_name=name,
                password_hash=NO_PASSWORD,
                role=StaffUser.Role.organizer.value,
                active=False,
            )
            await user.save()
            user_id = user.id
        else:
            user_id = row["id"]
        actors.append(Actor(f"organizer:{username}", user_id))
    return actors[0], actors[1]


async def _report(project_id: int, day: dt.date, status: str, title: str, body: str) -> None:
    await ProgressReport.insert(
        ProgressReport(
            id=uuid.uuid4(),
            project=project_id,
            report_date=day,
            status=status,
            title=title,
            body=body,
        )
    )


async def _pay(
    project: dict,
    line: dict,
    amount: int,
    paid_on: dt.date,
    stage: str,
    actors: tuple[Actor, Actor],
) -> None:
    finance, reviewer = actors
    reference = f"WJ5-{project['id']:02d}-{line['id']:03d}-{stage}"
    evidence = [
        _evidence(
            f"发票 {reference}",
            [f"Invoice {reference}", f"Payee: {project['implementer']}", f"Amount: {amount} fen"],
            True,
            "invoice",
        )
    ]
    if stage == "D":
        evidence.append(
            _evidence(
                "合同（含签字页）", [f"Contract {reference}", "signed copy"], False, "contract"
            )
        )
    disbursement = await request_disbursement(
        DisbursementDraft(
            project_id=project["id"],
            milestone="预付款" if stage == "D" else "验收后结算",
            amount_fen=amount,
            payee=project["implementer"] or project["title"],
            budget_line_id=line["id"],
            purpose=f"{line['item']}：{'预付款' if stage == 'D' else '尾款'}",
        ),
        finance,
        evidence=evidence,
    )
    await approve_disbursement(disbursement, reviewer, "凭证齐全，金额与预算一致")
    await mark_disbursement_paid(
        disbursement, finance, bank_reference=f"HZB{reference}", paid_on=paid_on
    )


async def load_money_out(event_number: int = 5) -> bool:
    """Disburse and report the edition's completed projects; False when already done."""
    event = await Event.select(Event.id).where(Event.number == event_number).first()
    if event is None:
        return False
    projects = await (
        Project.select(
            Project.id,
            Project.title,
            Project.category,
            Project.implementer,
            Project.beneficiaries,
        )
        .where((Project.event == event["id"]) & (Project.status == "completed"))
        .order_by(Project.id)
    )
    ids = [p["id"] for p in projects]
    if not ids or await Disbursement.exists().where(Disbursement.project.is_in(ids)):
        return False
    actors = await _organizers()
    steps: list[tuple[dt.date, int, Step]] = []
    for index, project in enumerate(projects):
        lines = (
            await BudgetLine.select(
                BudgetLine.id, BudgetLine.item, BudgetLine.amount_fen, BudgetLine.kind
            )
            .where(BudgetLine.project == project["id"])
            .order_by(BudgetLine.position)
        )
        steps.extend(_plan(index, project, lines, actors))
    # Everything in calendar order: the ledger's postings follow the days money moved.
    for _day, _order, step in sorted(steps, key=lambda s: (s[0], s[1])):
        await step()
    return True


Step = Callable[[], Awaitable[None]]


def _deposit(line: dict) -> int:
    return line["amount_fen"] * DEPOSIT_PERCENT.get(line["kind"], 50) // 100


def _plan(
    index: int, project: dict, lines: list[dict], actors: tuple[Actor, Actor]
) -> list[tuple[dt.date, int, Step]]:
    """One project's reports and payments, each with its date."""
    story = STORIES.get(project["category"], DEFAULT_STORY)
    start = FIRST_START + dt.timedelta(days=3 * index)
    completed = start + dt.timedelta(days=30 * story.months + 10)
    order = index * 1000
    plan: list[tuple[dt.date, int, Step]] = []

    def add(day: dt.date, step: Step) -> None:
        plan.append((day, order + len(plan), step))

    def report(day: dt.date, status: str, title: str, body: str) -> None:
        add(day, lambda: _report(project["id"], day, status, title, body))

    def pay(line: dict, amount: int, day: dt.date, stage: str) -> None:
        add(day, lambda: _pay(project, line, amount, day, stage, actors))

    implementer = project["implementer"] or "实施单位"
    report(
        start,
        "started",
        story.started,
        f"{implementer}进场实施；各预算行预付款一周内拨付，发票在下方公开。",
    )
    for line in lines:
        pay(line, _deposit(line), start + dt.timedelta(days=7), "D")
    # Progress while it runs, at least every quarter (lifts run past six months).
    day = start + dt.timedelta(days=45)
    while day < completed - dt.timedelta(days=20):
        report(day, "milestone", story.milestone, "进度与资金使用按计划，本期无预算调整。")
        day += dt.timedelta(days=80)
    report(
        completed,
        "completed",
        story.completed,
        f"受益：{project['beneficiaries'] or '社区居民'}。尾款待验收后结清。",
    )
    for line in lines:
        rest = (
            line["amount_fen"] - line["amount_fen"] * DEPOSIT_PERCENT.get(line["kind"], 50) // 100
        )
        if rest > 0:
            pay(line, rest, completed + dt.timedelta(days=20), "F")
    total = sum(line["amount_fen"] for line in lines)
    report(
        completed + dt.timedelta(days=30),
        "accepted",
        story.accepted,
        f"预算{total // 100}元已全部拨付，发票公开可查。",
    )
    return plan
