"""The event's local time: every date shown or scheduled is Asia/Shanghai (UTC+8, no DST)."""

from __future__ import annotations

import datetime as dt

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def today() -> dt.date:
    return dt.datetime.now(SHANGHAI).date()
