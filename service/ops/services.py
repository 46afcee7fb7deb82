"""Alerts that reach people, and outbox retention.

An incident (a failing ledger check, outbox rows of one topic failing for more than
ALERT_OUTBOX_FAILING_S, a reconciliation difference) is an `Alert` row open until its
condition clears. Opening it mails every active organizer with an address once — in the
transaction that opens it, through the outbox — and every later check that still sees it
only touches the row. A unique index on open (kind, incident) makes concurrent checks open
it once. `minsheng_alerts_open{kind}` shows the open ones to Prometheus.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from service.auth.recipients import organizer_addresses
from service.db import is_unique_violation, write_transaction
from service.mail import templated_mail_message
from service.ops.tables import Alert
from service.outbox.services import enqueue_many
from service.outbox.tables import OutboxMessage
from service.settings import get_settings

Kind = Alert.Kind
SUMMARY_MAX = 2000


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Seen:
    """A condition a check found: which incident, and what to tell people."""

    incident: str
    subject: str
    summary: str


async def _open_alert(kind: Kind, seen: Seen, now: dt.datetime) -> bool:
    """Touch the open alert, or open it and queue its mails; True when newly opened."""
    async with write_transaction():
        existing = (
            await Alert.select(Alert.id)
            .where(
                (Alert.kind == kind.value)
                & (Alert.incident == seen.incident)
                & Alert.resolved_at.is_null()
            )
            .first()
        )
        if existing is not None:
            await Alert.update(
                {
                    Alert.last_seen_at: now,
                    Alert.summary: seen.summary[:SUMMARY_MAX],
                    Alert.occurrences: Alert.occurrences + 1,
                }
            ).where(Alert.id == existing["id"])
            return False
        alert = Alert(
            kind=kind.value,
            incident=seen.incident,
            summary=seen.summary[:SUMMARY_MAX],
            last_seen_at=now,
        )
        await alert.save()
        context = {
            "kind": kind.value,
            "subject": seen.subject,
            "summary": seen.summary[:SUMMARY_MAX],
            "opened_at": now.isoformat(timespec="seconds"),
            "base_url": get_settings().base_url,
        }
        await enqueue_many(
            [
                templated_mail_message(
                    "ops_alert", context, organizer["email"], f"alert:{alert.id}:{organizer['id']}"
                )
                for organizer in await organizer_addresses()
            ]
        )
        return True


async def report(kind: Kind, seen: list[Seen], *, now: dt.datetime | None = None) -> list[str]:
    """What one run of a check found for `kind`: opens (and mails) new incidents, touches
    those still open, resolves those no longer seen. Returns the incidents newly opened."""
    now = now or utcnow()
    opened = []
    for item in seen:
        try:
            if await _open_alert(kind, item, now):
                opened.append(item.incident)
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
            # A concurrent check opened it first (and mailed); this run only saw it.
    still = [item.incident for item in seen]
    query = Alert.update({Alert.resolved_at: now}).where(
        (Alert.kind == kind.value) & Alert.resolved_at.is_null()
    )
    if still:
        query = query.where(Alert.incident.not_in(still))
    await query
    return opened


async def ledger_checked(ok: bool, findings: list[str], head_hash: str) -> list[str]:
    """After each ledger check: one incident while checks keep failing."""
    if ok:
        return await report(Kind.ledger_check, [])
    summary = f"账本头 {head_hash}：{len(findings)} 处不一致\n" + "\n".join(findings[:20])
    return await report(
        Kind.ledger_check, [Seen("ledger", "账本核对失败：资金账本与业务记录不一致", summary)]
    )


async def check_ledger() -> Any:
    """The periodic ledger check (a LedgerCheck row, an "alert.ledger" message on findings)
    and its incident: what beat's tasks.ledger.check runs, in a worker or embedded."""
    from service.ledger.checks import run_ledger_check

    result = await run_ledger_check()
    await ledger_checked(result.ok, result.findings, result.head_hash)
    return result


async def watch_reconciliation() -> list[str]:
    """Hourly: Stripe, payment rows and the ledger compared; each differing payment is an
    incident. Nothing to do without Stripe."""
    from service.payments import reconcile
    from service.payments import stripe_gateway as gateway

    if not gateway.config().enabled:
        return []
    return await reconciliation_checked(reconcile.as_dicts(await reconcile.report()))


async def stuck_outbox(now: dt.datetime | None = None) -> list[Seen]:
    """Topics with undelivered rows that have failed and are older than the threshold."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(seconds=get_settings().ops.alert_outbox_failing_s)
    rows = await OutboxMessage.select(
        OutboxMessage.topic, OutboxMessage.created_at, OutboxMessage.last_error
    ).where(
        OutboxMessage.delivered_at.is_null()
        & (OutboxMessage.attempts > 0)
        & (OutboxMessage.created_at < cutoff)
    )
    by_topic: dict[str, list[dict]] = {}
    for row in rows:
        by_topic.setdefault(row["topic"], []).append(row)
    seen = []
    for topic, items in sorted(by_topic.items()):
        oldest = min(item["created_at"] for item in items)
        last_error = items[-1]["last_error"]
        seen.append(
            Seen(
                topic,
                f"后台投递失败超过一小时：{topic}",
                f"{len(items)} 条 {topic} 消息未能投递，最早写入于 {oldest.isoformat()}；"
                f"最近的错误：{last_error}",
            )
        )
    return seen


async def watch_outbox(now: dt.datetime | None = None) -> list[str]:
    return await report(Kind.outbox_stuck, await stuck_outbox(now), now=now)


async def reconciliation_checked(differences: list[dict[str, str]]) -> list[str]:
    """After a reconciliation report: one incident per payment that differs."""
    by_payment: dict[str, list[dict[str, str]]] = {}
    for difference in differences:
        by_payment.setdefault(difference.get("payment_id") or "?", []).append(difference)
    seen = [
        Seen(
            payment,
            "对账差异：Stripe、支付记录与账本不一致",
            "\n".join(
                f"支付 {payment} {d.get('field', '')}：Stripe {d.get('stripe', '')}，"
                f"记录 {d.get('ours', '')}，账本 {d.get('ledger', '')}（{d.get('detail', '')}）"
                for d in items
            ),
        )
        for payment, items in sorted(by_payment.items())
    ]
    return await report(Kind.reconciliation, seen)


async def prune_outbox(now: dt.datetime | None = None, batch: int = 5000) -> int:
    """Delete delivered outbox rows older than OUTBOX_RETENTION_DAYS (in batches, so no
    long lock); undelivered rows, the ledger, the audit log and receipts are never pruned.
    Returns how many rows went."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=get_settings().ops.outbox_retention_days)
    removed = 0
    while True:
        ids = [
            row["id"]
            for row in await OutboxMessage.select(OutboxMessage.id)
            .where(OutboxMessage.delivered_at.is_not_null() & (OutboxMessage.delivered_at < cutoff))
            .limit(batch)
        ]
        if not ids:
            return removed
        await OutboxMessage.delete().where(
            OutboxMessage.id.is_in(ids) & OutboxMessage.delivered_at.is_not_null()
        )
        removed += len(ids)
