"""Settings of the outbox, receipts, reminders and tracking."""

import pytest

from service.settings import SettingsError, load_settings


def test_background_defaults(tmp_path):
    settings = load_settings({"MINSHENG_DATA_DIR": str(tmp_path)})
    assert settings.outbox_kick and settings.outbox_lease_s == 120
    assert (settings.reminder_days_before, settings.reminder_interval_days) == (3, 7)
    assert (settings.reminder_max, settings.reminder_hour) == (3, 9)
    assert settings.reminders_every_s is None and settings.snapshot_every_s == 3600


def test_background_values_are_read(tmp_path):
    settings = load_settings(
        {
            "MINSHENG_DATA_DIR": str(tmp_path),
            "OUTBOX_KICK": "0",
            "OUTBOX_LEASE_S": "5",
            "REMINDER_MAX": "0",
            "REMINDERS_EVERY_S": "2",
            "RECEIPT_ISSUER": "某街道",
        }
    )
    assert not settings.outbox_kick and settings.outbox_lease_s == 5
    assert settings.reminder_max == 0 and settings.reminders_every_s == 2
    assert settings.receipt_issuer == "某街道"


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"OUTBOX_KICK": "maybe"}, "OUTBOX_KICK"),
        ({"OUTBOX_LEASE_S": "0"}, "OUTBOX_LEASE_S"),
        ({"OUTBOX_RETRY_BASE_S": "-1"}, "OUTBOX_RETRY_BASE_S"),
        ({"REMINDER_INTERVAL_DAYS": "0"}, "REMINDER_INTERVAL_DAYS"),
        ({"REMINDER_HOUR": "24"}, "REMINDER_HOUR"),
        ({"REMINDERS_EVERY_S": "0"}, "REMINDERS_EVERY_S"),
        ({"SNAPSHOT_EVERY_S": "often"}, "SNAPSHOT_EVERY_S"),
        ({"UNPAID_ALERT_DAYS": "1.5"}, "UNPAID_ALERT_DAYS"),
    ],
)
def test_bad_background_values_name_the_variable(tmp_path, environ, variable):
    with pytest.raises(SettingsError) as error:
        load_settings({"MINSHENG_DATA_DIR": str(tmp_path), **environ})
    assert error.value.variable == variable
