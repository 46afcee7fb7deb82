"""The 5th edition's money out, in calendar order: every project was built, so its money
was requested with invoices, approved by a second organizer, paid to the implementer and
reported on — started, milestone reached, completed, accepted (the final disclosure).

Building starts once pledging has closed (the projects a few days apart), and never before
a week after the gifts that cover the project's deposits came in; a deposit on every budget
line is paid a week after the start, the balance after completion and after the project's
last gift (claims paid in two instalments pay the deposits with the first).
The steps are dated and loaded with the edition's money in, in one calendar
(service/demo/loader.py), so the journal's sequence follows the days money moved.
Lifts for old blocks take longer than six months, so they also carry the quarterly
disclosures the rule asks for.
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
from service.clock import SHANGHAI
from service.db import write_transaction
from service.disbursements import evidence as files
from service.disbursements.services import (
    DisbursementDraft,
    EvidenceRecord,
    approve_disbursement,
    mark_disbursement_paid,
    reallocate_to_general_fund,
    request_disbursement,
)
from service.disbursements.tables import Disbursement, DisbursementEvidence, Reallocation
from service.events.tables import Event
from service.ledger.balances import project_fund_figures
from service.progress.tables import ProgressReport
from service.projects.tables import BudgetLine, Project

from .data import EventSeed, ProjectSeed, event_seed

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
            created_at=_local(day, REPORT_TIME),
        )
    )


def _payout(
    project: dict,
    line: dict,
    amount: int,
    paid_on: dt.date,
    stage: str,
    actors: tuple[Actor, Actor],
    advance: Callable[[int], None],
) -> list[Dated]:
    """One budget line's payout on its value date: asked for with its invoice in the
    morning, approved by the second organizer in the afternoon, paid in the evening —
    three steps of the day's calendar, each dated when it happened."""
    finance, reviewer = actors
    reference = f"WJ5-{project['id']:02d}-{line['id']:03d}-{stage}"
    requested_at = _local(paid_on, REQUEST_TIME)
    approved_at = _local(paid_on, APPROVAL_TIME)
    made: list[uuid.UUID] = []

    async def request() -> None:
        evidence = [
            _evidence(
                f"发票 {reference}",
                [
                    f"Invoice {reference}",
                    f"Payee: {project['implementer']}",
                    f"Amount: {amount} fen",
                ],
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
        made.append(disbursement)
        await Disbursement.update({Disbursement.created_at: requested_at}).where(
            Disbursement.id == disbursement
        )
        await DisbursementEvidence.update({DisbursementEvidence.created_at: requested_at}).where(
            DisbursementEvidence.disbursement == disbursement
        )

    async def approve() -> None:
        await approve_disbursement(made[0], reviewer, "凭证齐全，金额与预算一致")
        await Disbursement.update({Disbursement.approved_at: approved_at}).where(
            Disbursement.id == made[0]
        )

    async def pay() -> None:
        await mark_disbursement_paid(
            made[0], finance, bank_reference=f"HZB{reference}", paid_on=paid_on
        )
        advance(1)

    return [
        (requested_at, request),
        (approved_at, approve),
        (_local(paid_on, PAYOUT_TIME), pay),
    ]


async def _return_the_rest(project_id: int, day: dt.date, actor: Actor) -> None:
    """Matching money beyond the budget goes back to the edition's general fund."""
    rest = (await project_fund_figures(project_id)).balance
    if rest > 0:
        moment = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
        await reallocate_to_general_fund(
            project_id, rest, "结项后配捐结余转入公共基金", actor, occurred_at=moment
        )
        await Reallocation.update({Reallocation.created_at: moment}).where(
            (Reallocation.project == project_id) & (Reallocation.amount_fen == rest)
        )


Step = Callable[[], Awaitable[None]]
Dated = tuple[dt.datetime, Step]

# Moments of the day, in Asia/Shanghai: reports in the morning; a payout is requested,
# approved and paid on its value date, settling at 20:00 like the money coming in.
REPORT_TIME = dt.time(9, 0)
REQUEST_TIME = dt.time(9, 30)
APPROVAL_TIME = dt.time(14, 0)
PAYOUT_TIME = dt.time(20, 0)


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, SHANGHAI).astimezone(dt.UTC)


@dataclass(frozen=True)
class Schedule:
    """When one project was built: its start, and the day its last gift came in."""

    start: dt.date
    funded_on: dt.date


def schedule(event: EventSeed, seed: ProjectSeed) -> Schedule:
    """From the edition's calendar and the seed's payments to the project (its matches
    only add to them): five days after pledging closed, three days after the project
    before it, and a week after its deposits were covered."""
    paid = sorted(
        (payment.paid_on, payment.amount_fen)
        for pledge in event.pledges
        if pledge.project == seed.key
        for payment in pledge.payments
    )
    deposits = sum(_deposit_of(line.amount_fen, line.kind) for line in seed.budget)
    ready_on, total = paid[-1][0], 0
    for day, amount in paid:
        total += amount
        if total >= deposits:
            ready_on = day
            break
    index = event.projects.index(seed)
    first = event.pledge_closes + dt.timedelta(days=5 + 3 * index)
    return Schedule(start=max(first, ready_on + dt.timedelta(days=7)), funded_on=paid[-1][0])


def payouts(event: EventSeed) -> int:
    """How many payouts building the edition's completed projects takes (a progress step
    each): a deposit on every budget line, and the balance where one is left."""
    return sum(
        1 + (line.amount_fen > _deposit_of(line.amount_fen, line.kind))
        for seed in event.projects
        if seed.status == "completed"
        for line in seed.budget
    )


async def plan_money_out(
    event: EventSeed,
    project_ids: dict[str, int],
    advance: Callable[[int], None] = lambda _: None,
) -> list[Dated]:
    """Every dated step of building the edition's completed projects (reports, payouts,
    the matched surplus returned), for the loader to run in calendar order with the rest."""
    built = [
        seed for seed in event.projects if seed.status == "completed" and seed.key in project_ids
    ]
    if not built:
        return []
    actors = await _organizers()
    steps: list[Dated] = []
    for seed in built:
        project = {
            "id": project_ids[seed.key],
            "title": seed.title,
            "category": seed.category,
            "implementer": seed.implementer,
            "beneficiaries": seed.beneficiaries,
        }
        lines = (
            await BudgetLine.select(
                BudgetLine.id, BudgetLine.item, BudgetLine.amount_fen, BudgetLine.kind
            )
            .where(BudgetLine.project == project["id"])
            .order_by(BudgetLine.position)
        )
        steps.extend(_plan(project, lines, actors, schedule(event, seed), advance))
    return steps


async def load_money_out(event_number: int = 5) -> bool:
    """Disburse and report the edition's completed projects in a database whose edition was
    loaded before its money out was (the loader now loads both together); False when
    already done."""
    found = await Event.select(Event.id).where(Event.number == event_number).first()
    if found is None:
        return False
    rows = await Project.select(Project.id, Project.title).where(
        (Project.event == found["id"]) & (Project.status == "completed")
    )
    ids = [row["id"] for row in rows]
    if not ids or await Disbursement.exists().where(Disbursement.project.is_in(ids)):
        return False
    event = event_seed(event_number)
    by_title = {row["title"]: row["id"] for row in rows}
    project_ids = {
        seed.key: by_title[seed.title] for seed in event.projects if seed.title in by_title
    }
    steps = await plan_money_out(event, project_ids)
    async with write_transaction():
        for _moment, step in sorted(steps, key=lambda item: item[0]):
            await step()
    return True


def _deposit_of(amount_fen: int, kind: str) -> int:
    return amount_fen * DEPOSIT_PERCENT.get(kind, 50) // 100


def _plan(
    project: dict,
    lines: list[dict],
    actors: tuple[Actor, Actor],
    when: Schedule,
    advance: Callable[[int], None],
) -> list[Dated]:
    """One project's reports and payments, each with its moment."""
    story = STORIES.get(project["category"], DEFAULT_STORY)
    start = when.start
    completed = start + dt.timedelta(days=30 * story.months + 10)
    # The balance follows acceptance checks, and never comes before the project's last gift.
    settled = max(completed + dt.timedelta(days=20), when.funded_on + dt.timedelta(days=7))
    closing = settled + dt.timedelta(days=10)
    plan: list[Dated] = []

    def report(day: dt.date, status: str, title: str, body: str) -> None:
        async def step() -> None:
            await _report(project["id"], day, status, title, body)

        plan.append((_local(day, REPORT_TIME), step))

    def pay(line: dict, amount: int, day: dt.date, stage: str) -> None:
        plan.extend(_payout(project, line, amount, day, stage, actors, advance))

    implementer = project["implementer"] or "实施单位"
    report(
        start,
        "started",
        story.started,
        f"{implementer}进场实施；各预算行预付款一周内拨付，发票在下方公开。",
    )
    for line in lines:
        pay(line, _deposit_of(line["amount_fen"], line["kind"]), start + dt.timedelta(days=7), "D")
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
        rest = line["amount_fen"] - _deposit_of(line["amount_fen"], line["kind"])
        if rest > 0:
            pay(line, rest, settled, "F")

    async def return_the_rest() -> None:
        await _return_the_rest(project["id"], closing, actors[0])

    plan.append((_local(closing, PAYOUT_TIME), return_the_rest))
    total = sum(line["amount_fen"] for line in lines)
    report(closing, "accepted", story.accepted, f"预算{total // 100}元已全部拨付，发票公开可查。")
    return plan
