"""Text people type: names and messages, checked where they enter (msgspec types).

A name is trimmed of nothing here (services strip it) but must have a visible character,
and no control characters, zero-width or bidirectional-override characters (U+202A–202E,
U+2066–2069): they let a name display as something else than it is (a donor list showing
"1000¥" for "¥0001") or smuggle terminal escape sequences into exports and logs.
Free text (messages, reasons) may also hold line breaks and tabs.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

_INVISIBLE = r"\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
NAME_PATTERN = r"^(?=.*\S)[^\u0000-\u001f" + _INVISIBLE + "]+$"
TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f" + _INVISIBLE + "]*$"


PersonName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=NAME_PATTERN)]
"""A donor's or staff member's display name."""
ReceiptTitle = Annotated[str, msgspec.Meta(max_length=200, pattern=TEXT_PATTERN)]
Message = Annotated[str, msgspec.Meta(max_length=500, pattern=TEXT_PATTERN)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=NAME_PATTERN)]
"""A reason staff give for an action: something visible, nothing invisible."""
