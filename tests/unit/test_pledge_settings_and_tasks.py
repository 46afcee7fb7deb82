"""Pledge settings, donor-link signing, statement parsing and the lapse task's wiring."""

import uuid

import pytest

from service.settings import SettingsError, load_settings


def test_pledge_and_bank_settings(tmp_path):
    settings = load_settings(
        {
            "MINSHENG_DATA_DIR": str(tmp_path),
            "PLEDGE_DUE_DAYS": "10",
            "PLEDGE_GRACE_DAYS": "0",
            "BANK_ACCOUNT_NAME": "望江街道慈善分会",
            "BANK_ACCOUNT_NUMBER": "6222 0000",
            "BANK_NAME": "工商银行",
        }
    )
    assert (settings.pledge_due_days, settings.pledge_grace_days) == (10, 0)
    assert (settings.bank_account_name, settings.bank_account_number, settings.bank_name) == (
        "望江街道慈善分会",
        "6222 0000",
        "工商银行",
    )
    defaults = load_settings({"MINSHENG_DATA_DIR": str(tmp_path)})
    assert (defaults.pledge_due_days, defaults.pledge_grace_days) == (30, 14)
    assert defaults.bank_account_number == ""


@pytest.mark.parametrize("variable", ["PLEDGE_DUE_DAYS", "PLEDGE_GRACE_DAYS"])
@pytest.mark.parametrize("value", ["-1", "ten", "99999"])
def test_bad_day_counts_name_the_variable(tmp_path, variable, value):
    with pytest.raises(SettingsError) as caught:
        load_settings({"MINSHENG_DATA_DIR": str(tmp_path), variable: value})
    assert caught.value.variable == variable


def test_donor_tokens_are_signed_and_versioned():
    from service.donors import links

    donor = uuid.uuid4()
    token = links.make_token(donor, 3)
    assert links._parse(token) == (donor, 3)
    hex_id, version, signature = token.split(".")
    assert links._parse(f"{hex_id}.4.{signature}") is None  # version is signed
    assert links._parse(f"{uuid.uuid4().hex}.{version}.{signature}") is None
    assert links._parse(token + "x") is None
    assert links._parse("not-a-token") is None


def test_lapse_task_is_registered_and_scheduled():
    from tasks.celery_app import app

    app.loader.import_default_modules()
    assert "tasks.pledges.lapse_overdue" in app.tasks
    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "tasks.pledges.lapse_overdue" in schedule
