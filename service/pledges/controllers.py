"""Pledges: the JSON API (online pledges, cancellation, offline payments, tracking)."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody

from service.audit.services import Actor
from service.auth.guards import CurrentStaff, requires_financial_reader, requires_organizer
from service.bounds import EventNumberInPath
from service.donors.privacy import log_contact_view
from service.donors.services import public_name
from service.matching.queries import decisions_for_pledge
from service.payments.services import OfflinePayment, record_offline_payment
from service.payments.tables import Payment
from service.pledges import services
from service.pledges.claims_pages import ClaimPages
from service.pledges.console_pages import PledgeConsolePages
from service.pledges.forms import to_draft
from service.pledges.lifecycle import cancel_pledge
from service.pledges.public_pages import PublicPledgePages
from service.pledges.records import AnsweredPledge
from service.pledges.schemas import (
    OfflinePaymentIn,
    PaymentOut,
    PledgeCancel,
    PledgeCreate,
    PledgeOut,
    TrackingOut,
)
from service.pledges.screening import screen_online_pledge
from service.pledges.tracking import event_tracking

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        max_length=128,
        min_length=8,
        required=False,
        description="The same key with the same body returns the same pledge.",
    ),
]


def answer_out(row: AnsweredPledge) -> PledgeOut:
    """`services.pledge_answer` as the API shows it (the donor's public name), with the
    pledge's matching record when the caller adds it."""
    return msgspec.convert(
        {**row, "donor_name": public_name(row["donor_name"], row["anonymous"])}, PledgeOut
    )


async def pledge_out(pledge_id: uuid.UUID) -> PledgeOut:
    row = await services.get_pledge(pledge_id)
    return answer_out({**row, "matching": await decisions_for_pledge(pledge_id)})


class PledgeApi(Controller):
    path = "/api/v1/pledges"
    tags = ["pledges"]

    @post(
        "/",
        operation_id="createPledge",
        responses={
            200: ResponseSpec(
                data_container=PledgeOut,
                description="The pledge an earlier request with this Idempotency-Key made.",
            )
        },
    )
    async def create(
        self, request: Request, data: JSONBody[PledgeCreate], idempotency_key: IdempotencyKey = None
    ) -> Response[PledgeOut]:
        notify = await screen_online_pledge(request, data.donor)
        result = await services.create_pledge(
            to_draft(data), Actor("donor (online)"), idempotency_key, notify_donor=notify
        )
        if result.created:
            # a new donor's new pledge: answered from what creating it knew, no read-back
            assert result.row is not None
            return Response(answer_out(result.row), status_code=201)
        return Response(await pledge_out(result.pledge_id), status_code=200)

    @get("/{pledge_id:uuid}", operation_id="getPledge")
    async def get(self, pledge_id: FromPath[uuid.UUID]) -> PledgeOut:
        return await pledge_out(pledge_id)

    @post(
        "/{pledge_id:uuid}/cancel",
        operation_id="cancelPledge",
        guards=[requires_organizer],
        status_code=200,
    )
    async def cancel(
        self, pledge_id: FromPath[uuid.UUID], data: JSONBody[PledgeCancel], staff: CurrentStaff
    ) -> PledgeOut:
        await cancel_pledge(pledge_id, data.reason, staff.actor)
        return await pledge_out(pledge_id)

    @post(
        "/{pledge_id:uuid}/offline-payments",
        operation_id="recordOfflinePayment",
        guards=[requires_organizer],
    )
    async def record_payment(
        self,
        pledge_id: FromPath[uuid.UUID],
        data: JSONBody[OfflinePaymentIn],
        staff: CurrentStaff,
    ) -> PaymentOut:
        payment_id = await record_offline_payment(
            OfflinePayment(
                pledge_id=pledge_id,
                provider=Payment.Provider(data.provider),
                amount_fen=data.amount_fen,
                reference=data.reference,
                received_on=data.received_on,
            ),
            staff.actor,
        )
        pledge = await services.get_pledge(pledge_id)
        return PaymentOut(
            payment_id,
            pledge_id,
            pledge["status"],
            pledge["paid_fen"],
            pledge["outstanding_fen"],
        )


class TrackingApi(Controller):
    path = "/api/v1/events"
    tags = ["pledges"]

    @get(
        "/{number:int}/pledge-tracking",
        operation_id="getPledgeTracking",
        guards=[requires_financial_reader],
    )
    async def tracking(self, number: EventNumberInPath, staff: CurrentStaff) -> TrackingOut:
        """Per project and for the event: pledged, received, outstanding; overdue pledges
        (with the donors' contacts: each view is written to the audit log)."""
        tracking = await event_tracking(number)
        shown = sum(1 for row in tracking["overdue"] if row["contact"])
        await log_contact_view(staff.actor, "api pledge-tracking", number, shown)
        return msgspec.convert(tracking, TrackingOut)


ROUTES = [
    PledgeApi,
    TrackingApi,
    PublicPledgePages,
    ClaimPages,
    PledgeConsolePages,
]
