"""The donors API's JSON bodies (msgspec)."""

from __future__ import annotations

import uuid

import msgspec

from service.text import Reason


class EraseIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


class DonorLinkOut(msgspec.Struct):
    donor_id: uuid.UUID
    link: str
