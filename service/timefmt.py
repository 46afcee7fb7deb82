"""Times for people: every date and time a person reads (pages, mails, receipts, PDFs, CLI
output) goes through `when` — Asia/Shanghai, written the way the language writes it:
``2026年11月30日 08:04`` / ``30 Nov 2026 08:04`` (dates alone: ``2026年11月30日`` /
``30 Nov 2026``). APIs and exports keep ISO 8601 with an offset; this is only for display.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_datetime

from service.clock import SHANGHAI
from service.i18n import DEFAULT_LOCALE, current_locale

_PATTERNS = {
    # locale: (date, date and time) in Unicode CLDR pattern letters
    "zh_Hans": ("y年M月d日", "y年M月d日 HH:mm"),
    "en": ("d MMM y", "d MMM y HH:mm"),
}


def when(
    value: dt.datetime | dt.date | str | None, locale: str | None = None, *, date_only=False
) -> str:
    """A moment (shown in Shanghai time) or a day, for a person reading `locale` (default:
    the current request's). ISO 8601 text is read first; None is ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = (
            dt.datetime.fromisoformat(value)
            if "T" in value or " " in value
            else (dt.date.fromisoformat(value))
        )
    locale = locale or current_locale.get()
    day_pattern, moment_pattern = _PATTERNS.get(locale, _PATTERNS[DEFAULT_LOCALE])
    babel_locale = "zh_Hans_CN" if locale == "zh_Hans" else locale
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)  # the database keeps UTC
        local = value.astimezone(SHANGHAI)
        if date_only:
            return format_date(local.date(), day_pattern, locale=babel_locale)
        return format_datetime(local, moment_pattern, tzinfo=SHANGHAI, locale=babel_locale)
    return format_date(value, day_pattern, locale=babel_locale)


def day(value: dt.datetime | dt.date | str | None, locale: str | None = None) -> str:
    """Only the day (in Shanghai) of a moment or a date."""
    return when(value, locale, date_only=True)
