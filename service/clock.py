"""The event's local time: every date shown or scheduled is Asia/Shanghai (UTC+8, no DST).

Dates ("today", due dates, the lapse cutoff) come from `today()`, never from
`datetime.date.today()` (the machine's zone, often UTC: a day behind between 00:00 and
08:00 in Hangzhou). Tests move the clock by replacing `now`.
"""

from __future__ import annotations

import datetime as dt

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def now() -> dt.datetime:
    """The current moment (aware, UTC)."""
    return dt.datetime.now(dt.UTC)


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def today() -> dt.date:
    """Today in Hangzhou."""
    return local_date(now())
