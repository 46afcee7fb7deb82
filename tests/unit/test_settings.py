import os
import subprocess
import sys

import pytest

from service.settings import SettingsError, load_settings


def test_defaults_are_sqlite_and_in_process_tasks(tmp_path):
    settings = load_settings({"MINSHENG_DATA_DIR": str(tmp_path)})
    assert settings.is_sqlite and settings.database_url == "sqlite:///minsheng.sqlite3"
    assert settings.tasks_in_process
    assert len(settings.secret_key) >= 32
    # the generated key is kept, so sessions and donor links survive a restart
    assert load_settings({"MINSHENG_DATA_DIR": str(tmp_path)}).secret_key == settings.secret_key


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql:///nohost"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://localhost"}, "REDIS_URL"),
        ({"SMTP_URL": "mail.example.com"}, "SMTP_URL"),
        ({"STRIPE_SECRET_KEY": "pk_test_123"}, "STRIPE_SECRET_KEY"),
        ({"MINSHENG_ENV": "staging"}, "MINSHENG_ENV"),
        ({"MINSHENG_ENV": "production"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"LOG_JSON": "maybe"}, "LOG_JSON"),
        ({"PLEDGE_MAX_FEN": "12.5"}, "PLEDGE_MAX_FEN"),
    ],
)
def test_a_bad_value_names_the_variable(tmp_path, environ, variable):
    with pytest.raises(SettingsError) as caught:
        load_settings({"MINSHENG_DATA_DIR": str(tmp_path), **environ})
    assert caught.value.variable == variable


def test_cli_stops_with_one_line_naming_the_variable(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "service", "migrate"],
        env={**os.environ, "DATABASE_URL": "mysql://nope/db"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DATABASE_URL" in lines[0]
