import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Phone = Annotated[str, msgspec.Meta(max_length=30, pattern=r"^[0-9+\- ]{5,30}$")]


class DonorIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["individual", "enterprise"]
    display_name: Name
    email: Email | None = None
    phone: Phone | None = None
    receipt_title: Annotated[str, msgspec.Meta(max_length=200)] = ""
    uscc: Annotated[str, msgspec.Meta(max_length=30)] | None = None
    anonymous: bool = False
    wants_receipt: bool = True


class PledgeCreate(msgspec.Struct, forbid_unknown_fields=True):
    event: Annotated[int, msgspec.Meta(gt=0)]
    donor: DonorIn
    project_id: Annotated[int, msgspec.Meta(gt=0)] | None = None
    amount_fen: Annotated[int, msgspec.Meta(gt=0)] | None = None
    whole_project: bool = False
    allow_general_fund: bool = False
    message: Annotated[str, msgspec.Meta(max_length=500)] = ""


class PledgeOut(msgspec.Struct):
    id: uuid.UUID
    event_number: int
    project: int | None
    amount_fen: int
    channel: str
    status: str
    whole_project: bool
    due_on: dt.date | None
    created_at: dt.datetime
    donor_name: str
