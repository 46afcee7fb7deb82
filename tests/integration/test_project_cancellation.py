"""Cancelling a project that holds money: refused until each donor payment is refunded or
moved with the donor's consent (to the general fund or another project); the ledger shows
each move, equals the source records, and the open pledges are released."""

from __future__ import annotations

from service.disbursements.tables import Reallocation
from service.ledger.balances import event_fund_figures, project_fund_figures
from service.ledger.checks import compare_event
from service.ledger.services import verify_chain
from service.ledger.tables import LedgerTransaction
from service.payments.tables import Refund
from service.pledges.tables import Pledge
from service.projects.tables import Project
from tests import factories, staff


async def test_cancel_settles_every_payment_first(client):
    event = await factories.event()
    project = await factories.project(event.id, budget_fen=(900_000,))
    other = await factories.project(event.id, budget_fen=(900_000,))
    payments = []
    for amount in (100_000, 200_000, 300_000):
        pledge = await factories.pledge(event.number, project, amount)
        payments.append(await factories.bank_payment(pledge, amount))
    open_pledge = await factories.pledge(event.number, project, 50_000)
    organizer = await staff.make("organizer", username="org")

    async def cancel():
        return await client.post(
            f"/api/v1/console/projects/{project}/cancel",
            json={"reason": "场地无法落实"},
            headers=organizer.headers,
        )

    refused = await cancel()
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "balance"

    async def settle(body):
        return await client.post(
            f"/api/v1/console/projects/{project}/settlement", json=body, headers=organizer.headers
        )

    # Moving a donor's money needs their consent recorded; an offline refund its reference.
    no_consent = await settle(
        {"payment_id": str(payments[1]), "action": "general_fund", "reason": "项目取消"}
    )
    assert no_consent.status_code == 400
    assert no_consent.json()["errors"][0]["field"] == "donor_consent"
    no_reference = await settle(
        {"payment_id": str(payments[0]), "action": "refund", "reason": "项目取消"}
    )
    assert no_reference.status_code == 400
    assert no_reference.json()["errors"][0]["field"] == "reference"
    assert await Reallocation.count() == 0 and await Refund.count() == 0

    refunded = await settle(
        {
            "payment_id": str(payments[0]),
            "action": "refund",
            "reason": "项目取消",
            "reference": "HZB-REFUND-1",
        }
    )
    assert refunded.status_code == 200, refunded.text
    moved = await settle(
        {
            "payment_id": str(payments[1]),
            "action": "general_fund",
            "reason": "项目取消",
            "donor_consent": "2026-11-30 电话确认同意转入公共基金",
        }
    )
    assert moved.status_code == 200, moved.text
    to_other = await settle(
        {
            "payment_id": str(payments[2]),
            "action": "project",
            "target_project_id": other,
            "reason": "项目取消",
            "donor_consent": "2026-11-30 书面同意转入同社区项目",
        }
    )
    assert to_other.status_code == 200, to_other.text
    assert to_other.json()["balance_fen"] == 0
    again = await settle(
        {"payment_id": str(payments[2]), "action": "refund", "reason": "x", "reference": "R"}
    )
    assert again.status_code == 404

    figures = await event_fund_figures(event.id)
    assert figures[project].balance == 0
    assert figures[project].refunded == 100_000
    assert figures[project].reallocated == 500_000
    assert figures[None].reallocated == -200_000  # the general fund received it
    assert (await project_fund_figures(other)).balance == 300_000
    assert (await verify_chain()).ok
    assert await compare_event(event.id, event.number) == []
    # The donor whose gift moved sees the receiving project in their link.
    from service.disclosure.fund_use import donor_projects
    from service.payments.tables import Payment

    donor = (
        await Payment.select(Payment.pledge.donor.as_alias("donor"))
        .where(Payment.id == payments[2])
        .first()
    )["donor"]
    assert other in [p["project"] for p in await donor_projects(donor)]
    kinds = [
        r["kind"]
        for r in await LedgerTransaction.select(LedgerTransaction.kind)
        .where(LedgerTransaction.project == project)
        .order_by(LedgerTransaction.seq)
    ]
    assert kinds[-3:] == ["refund", "reallocation", "reallocation"]
    consents = {r["donor_consent"] for r in await Reallocation.select(Reallocation.donor_consent)}
    assert consents == {"2026-11-30 电话确认同意转入公共基金", "2026-11-30 书面同意转入同社区项目"}

    done = await cancel()
    assert done.status_code == 201, done.text
    status = await Project.select(Project.status).where(Project.id == project).first()
    assert status["status"] == "cancelled"
    pledge = await Pledge.select(Pledge.status).where(Pledge.id == open_pledge).first()
    assert pledge["status"] == "cancelled"
    assert await compare_event(event.id, event.number) == []
