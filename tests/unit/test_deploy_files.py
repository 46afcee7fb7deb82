"""The compose file and image as far as they can be checked here (Docker cannot run on
these machines): no secrets in docker-compose.yml, Redis with a password and noeviction,
the env file template names every variable production needs, no unused image packages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from service.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SECRET_WORDS = re.compile(r"(PASSWORD|SECRET|TOKEN|_KEY)", re.IGNORECASE)


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def test_no_secret_is_written_in_the_compose_file():
    for name, service in COMPOSE["services"].items():
        environment = service.get("environment") or {}
        for variable in environment:
            assert not SECRET_WORDS.search(variable), f"{name} sets {variable} inline"
        if name not in ("postgres", "redis"):
            assert service.get("env_file") == ".env", name
    assert "minsheng:minsheng@" not in (ROOT / "docker-compose.yml").read_text()
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def test_redis_has_a_password_and_never_evicts():
    command = " ".join(COMPOSE["services"]["redis"]["command"])
    assert '--requirepass "$$REDIS_PASSWORD"' in command
    assert "--maxmemory-policy noeviction" in command
    assert "redis://:" in env_example()["REDIS_URL"]


def test_the_env_template_starts_production():
    values = {k: v for k, v in env_example().items() if v}
    settings = load_settings({**values, "MINSHENG_ENV": "production"})
    assert settings.smtp_url and settings.ops.smtp_starttls == "require"
    assert settings.redis_url and settings.database_url.startswith("postgresql://")
    assert settings.ops.metrics_token


def test_the_image_installs_only_what_it_uses():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "fonts-noto-cjk" not in dockerfile  # the receipt font is a wheel; pages need none
    assert "apt-get" not in dockerfile  # nothing from apt: health checks use Python
    assert "--extra otel" in dockerfile


async def test_the_doctor_refuses_the_placeholder_secret():
    from service.doctor import Problem, check_secret_key

    settings = load_settings({k: v for k, v in env_example().items() if v})
    with pytest.raises(Problem, match="placeholder"):
        await check_secret_key(settings)
