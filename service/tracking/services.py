"""Portfolio tracking: funding snapshots per project kept as history, and alerts.

`take_snapshots` pictures every project of the editions being funded from the ledger
(service/ledger/balances.py). `find_alerts` names what organizers must look at:
over-subscribed projects, projects under their minimum near the close, pledges unpaid
for too long, and any breach of the ledger's invariants (hash chain, received vs the
payments recorded). `send_alerts` mails each alert once a day to the organizers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from piccolo.query.functions.aggregate import Sum

from service.auth.recipients import organizer_addresses
from service.clock import local_date
from service.db import write_transaction
from service.events.tables import Event
from service.i18n import gettext as _
from service.ledger.balances import FundFigures, event_fund_figures
from service.ledger.services import verify_chain
from service.mail import Mail, queue_mail, render_mail
from service.payments.tables import Payment
from service.pledges.money import unpaid_pledges
from service.pledges.tables import Pledge
from service.projects.tables import Project
from service.settings import Settings
from service.tracking.records import TrackedProject
from service.tracking.tables import ProjectSnapshot

TRACKED_EVENTS = (
    Event.Status.pledging.value,
    Event.Status.live.value,
    Event.Status.closed.value,
    Event.Status.reporting.value,
)
HIDDEN_PROJECTS = (
    Project.Status.draft.value,
    Project.Status.submitted.value,
    Project.Status.changes_requested.value,
    Project.Status.rejected.value,
)


def funded_percent(figures: FundFigures, target_fen: int) -> int:
    """Received plus matched, as a whole percent of the target (may exceed 100)."""
    return (figures.received + figures.matched) * 100 // target_fen if target_fen else 0


async def tracked_projects(event_id: int) -> list[TrackedProject]:
    return (
        await Project.select(Project.id, Project.title, Project.target_fen, Project.minimum_fen)
        .where((Project.event == event_id) & Project.status.not_in(list(HIDDEN_PROJECTS)))
        .order_by(Project.id)
    )


async def take_snapshots(taken_at: dt.datetime) -> int:
    """One snapshot per project of every edition being funded; returns how many."""
    events = await Event.select(Event.id).where(Event.status.is_in(list(TRACKED_EVENTS)))
    count = 0
    for event in events:
        count += await snapshot_event(event["id"], taken_at)
    return count


async def snapshot_event(event_id: int, taken_at: dt.datetime, *, as_of: bool = False) -> int:
    """One snapshot per project of one edition; `as_of` pictures the ledger as it stood at
    `taken_at` (history recorded after the fact, e.g. the demo's) instead of now."""
    figures = await event_fund_figures(event_id, taken_at if as_of else None)
    rows = [
        ProjectSnapshot(
            project=project["id"],
            taken_at=taken_at,
            target_fen=project["target_fen"],
            pledged_fen=f.pledged,
            received_fen=f.received,
            matched_fen=f.matched,
            refunded_fen=f.refunded,
            disbursed_fen=f.disbursed,
            balance_fen=f.balance,
        )
        for project in await tracked_projects(event_id)
        for f in [figures.get(project["id"], FundFigures())]
    ]
    if rows:
        await ProjectSnapshot.insert(*rows)
    return len(rows)


@dataclass(frozen=True)
class Alert:
    kind: str
    """oversubscribed | under_minimum | unpaid | ledger"""
    subject: str
    detail: str
    project_id: int | None = None


@dataclass
class Thresholds:
    unpaid_days: int
    minimum_days: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        return cls(settings.unpaid_alert_days, settings.minimum_alert_days)


async def _received_by_payments(event_id: int) -> dict[int | None, int]:
    rows = (
        await Payment.select(
            Payment.pledge.project.as_alias("project"),
            Sum(Payment.amount_fen).as_alias("total"),
        )
        .where(
            (Payment.pledge.event == event_id) & (Payment.status == Payment.Status.succeeded.value)
        )
        .group_by(Payment.pledge.project)
    )
    return {row["project"]: int(row["total"] or 0) for row in rows}


async def _unpaid(event_id: int, before: dt.datetime) -> dict[int | None, tuple[int, int]]:
    """Per project: how many pledges made before `before` are still owed, and their amount."""
    out: dict[int | None, tuple[int, int]] = {}
    for p in await unpaid_pledges((Pledge.event == event_id) & (Pledge.created_at < before)):
        count, total = out.get(p.project_id, (0, 0))
        out[p.project_id] = (count + 1, total + p.amount_fen)
    return out


@dataclass
class EventAlerts:
    event_number: int
    alerts: list[Alert] = field(default_factory=list)


async def find_alerts(event_number: int, now: dt.datetime, thresholds: Thresholds) -> list[Alert]:
    event = (
        await Event.select(Event.id, Event.pledge_closes_at)
        .where(Event.number == event_number)
        .first()
    )
    if event is None:
        return []
    figures = await event_fund_figures(event["id"])
    projects = await tracked_projects(event["id"])
    titles = {p["id"]: p["title"] for p in projects}
    alerts: list[Alert] = []
    closes = event["pledge_closes_at"]
    near_close = closes is not None and now <= closes <= now + dt.timedelta(
        days=thresholds.minimum_days
    )
    for project in projects:
        f = figures.get(project["id"], FundFigures())
        if f.pledged > project["target_fen"]:
            alerts.append(
                Alert(
                    "oversubscribed",
                    _("超额认捐：%(title)s") % {"title": project["title"]},
                    _("认捐 %(pledged)s 分，超过目标 %(target)s 分")
                    % {"pledged": f.pledged, "target": project["target_fen"]},
                    project["id"],
                )
            )
        minimum = project["minimum_fen"]
        if near_close and minimum and f.pledged < minimum:
            alerts.append(
                Alert(
                    "under_minimum",
                    _("临近截止仍未达最低额：%(title)s") % {"title": project["title"]},
                    _("认捐 %(pledged)s 分，最低 %(minimum)s 分，截止 %(closes)s UTC")
                    % {
                        "pledged": f.pledged,
                        "minimum": minimum,
                        "closes": f"{closes:%Y-%m-%d %H:%M}",
                    },
                    project["id"],
                )
            )
    unpaid = await _unpaid(event["id"], now - dt.timedelta(days=thresholds.unpaid_days))
    for project_id, (count, total) in unpaid.items():
        alerts.append(
            Alert(
                "unpaid",
                _("认捐逾 %(days)s 天未付：%(title)s")
                % {"days": thresholds.unpaid_days, "title": titles.get(project_id, _("通用基金"))},
                _("%(count)s 笔，共 %(total)s 分") % {"count": count, "total": total},
                project_id,
            )
        )
    paid = await _received_by_payments(event["id"])
    for key in set(paid) | {k for k, v in figures.items() if v.received}:
        ledger_received = figures.get(key, FundFigures()).received
        if ledger_received != paid.get(key, 0):
            alerts.append(
                Alert(
                    "ledger",
                    _("台账不一致：%(title)s") % {"title": titles.get(key, _("通用基金"))},
                    _("台账到账 %(ledger)s 分，付款记录 %(paid)s 分")
                    % {"ledger": ledger_received, "paid": paid.get(key, 0)},
                    key,
                )
            )
    report = await verify_chain()
    if not report.ok:
        alerts.append(
            Alert(
                "ledger",
                _("台账哈希链校验失败"),
                "; ".join(report.problems[:5]) or "chain broken",
            )
        )
    return alerts


async def send_alerts(now: dt.datetime, thresholds: Thresholds) -> int:
    """Mail organizers today's alerts of every tracked edition; each alert once a day."""
    organizers = await organizer_addresses()
    events = await Event.select(Event.number).where(Event.status.is_in(list(TRACKED_EVENTS)))
    queued = 0
    day = local_date(now).isoformat()
    for event in events:
        alerts = await find_alerts(event["number"], now, thresholds)
        async with write_transaction():
            for alert in alerts:
                subject, text, html = render_mail(
                    "tracking_alert", {"alert": alert, "event_number": event["number"]}
                )
                for organizer in organizers:
                    key = f"alert:{event['number']}:{alert.kind}:{alert.project_id}:{day}"
                    await queue_mail(
                        Mail(to=organizer["email"], subject=subject, text=text, html=html),
                        dedupe_key=f"{key}:{organizer['id']}",
                    )
                    queued += 1
    return queued


@dataclass(frozen=True)
class Series:
    project_id: int
    title: str
    target_fen: int
    points: list[tuple[dt.datetime, int]]
    """(taken_at, received + matched) in time order."""


async def history(event_id: int, limit_per_project: int = 500) -> list[Series]:
    projects = await tracked_projects(event_id)
    rows = (
        await ProjectSnapshot.select(
            ProjectSnapshot.project,
            ProjectSnapshot.taken_at,
            ProjectSnapshot.received_fen,
            ProjectSnapshot.matched_fen,
        )
        .where(ProjectSnapshot.project.is_in([p["id"] for p in projects] or [0]))
        .order_by(ProjectSnapshot.taken_at)
    )
    points: dict[int, list[tuple[dt.datetime, int]]] = {}
    for row in rows:
        points.setdefault(row["project"], []).append(
            (row["taken_at"], row["received_fen"] + row["matched_fen"])
        )
    return [
        Series(p["id"], p["title"], p["target_fen"], points.get(p["id"], [])[-limit_per_project:])
        for p in projects
    ]


async def project_history(project_id: int, title: str, target_fen: int) -> Series:
    """One project's funding in time order (for its public page): each picture that shows a
    change, so the line spans the days money came in rather than every hourly snapshot
    since (a completed project's line ends the day it was fully funded)."""
    rows = (
        await ProjectSnapshot.select(
            ProjectSnapshot.taken_at, ProjectSnapshot.received_fen, ProjectSnapshot.matched_fen
        )
        .where(ProjectSnapshot.project == project_id)
        .order_by(ProjectSnapshot.taken_at)
    )
    points: list[tuple[dt.datetime, int]] = []
    for row in rows:
        value = row["received_fen"] + row["matched_fen"]
        if not points or points[-1][1] != value:
            points.append((row["taken_at"], value))
    return Series(project_id, title, target_fen, points)
