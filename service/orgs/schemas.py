from typing import Annotated

import msgspec

from service.text import NAME_PATTERN, TEXT_PATTERN

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NAME_PATTERN)]
Kind = Annotated[str, msgspec.Meta(max_length=20)]
Uscc = Annotated[str, msgspec.Meta(max_length=40)]
Contact = Annotated[str, msgspec.Meta(max_length=200, pattern=TEXT_PATTERN)]


class OrganizationCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    kind: Kind
    uscc: Uscc | None = None
    contact: Contact = ""


class OrganizationUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    uscc: Uscc | None = None
    contact: Contact | None = None


class OrganizationOut(msgspec.Struct):
    id: int
    name: str
    kind: str
    uscc: str | None
    contact: str
