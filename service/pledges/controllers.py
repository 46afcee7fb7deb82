"""Pledges: the public JSON API (online pledges)."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath, HeaderParameter, JSONBody

from service.audit.services import Actor
from service.donors.services import DonorDraft, public_name
from service.donors.tables import Donor
from service.errors import InvalidInput
from service.pledges import services
from service.pledges.schemas import PledgeCreate, PledgeOut

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


def to_draft(data: PledgeCreate) -> services.PledgeDraft:
    donor = data.donor
    if not (donor.email or donor.phone):
        raise InvalidInput.on("donor.email", "give an e-mail address or a phone number")
    return services.PledgeDraft(
        event_number=data.event,
        project_id=data.project_id,
        amount_fen=data.amount_fen,
        whole_project=data.whole_project,
        allow_general_fund=data.allow_general_fund,
        message=data.message,
        donor=DonorDraft(
            kind=Donor.Kind(donor.kind),
            display_name=donor.display_name,
            email=donor.email,
            phone=donor.phone,
            receipt_title=donor.receipt_title,
            uscc=donor.uscc,
            anonymous=donor.anonymous,
            wants_receipt=donor.wants_receipt,
        ),
    )


async def pledge_out(pledge_id: uuid.UUID) -> PledgeOut:
    row = await services.get_pledge(pledge_id)
    row["donor_name"] = public_name(row["donor_name"], row["anonymous"])
    return msgspec.convert(row, PledgeOut)


class PledgeApi(Controller):
    path = "/api/v1/pledges"
    tags = ["pledges"]

    @post("/", operation_id="createPledge")
    async def create(
        self, data: JSONBody[PledgeCreate], idempotency_key: IdempotencyKey = None
    ) -> Response[PledgeOut]:
        result = await services.create_pledge(
            to_draft(data), Actor("donor (online)"), idempotency_key
        )
        return Response(
            await pledge_out(result.pledge_id), status_code=201 if result.created else 200
        )

    @get("/{pledge_id:uuid}", operation_id="getPledge")
    async def get(self, pledge_id: FromPath[uuid.UUID]) -> PledgeOut:
        return await pledge_out(pledge_id)


ROUTES = [PledgeApi]
