"""Jinja2 set-up: gettext bound to the request's locale, money filters, globals."""

from __future__ import annotations

import uuid
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from service import i18n
from service.money import amount_in_words, format_wan, format_yuan
from service.timefmt import day, when
from service.web import labels

TEMPLATE_DIR = Path(__file__).resolve().parent.parent.parent / "templates"


def _percent(part: int, whole: int) -> int:
    return min(100, part * 100 // whole) if whole else 0


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    env.filters.update(yuan=format_yuan, wan=format_wan, daxie=amount_in_words, percent=_percent)
    env.filters.update(when=when, day=day)  # times for people: Shanghai, per language
    env.globals.update(
        current_locale=i18n.current_locale.get,
        language_names=i18n.LANGUAGE_NAMES,
        new_form_key=lambda: uuid.uuid4().hex,  # Idempotency-Key of a form (double clicks)
        category_name=labels.category_name,
        status_name=labels.status_name,
        progress_bar=labels.progress_bar,
    )
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(build_environment()))
