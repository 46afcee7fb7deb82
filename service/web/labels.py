"""Labels that public pages show once per project card (category, status, the progress
bar), translated once per language and process instead of on every card of every render.

The msgids stay Chinese and are marked with `N_` so the catalog extraction finds them.
"""

from __future__ import annotations

import functools

from markupsafe import Markup

from service import i18n
from service.money import format_yuan


def N_(message: str) -> str:
    """Marks a msgid for extraction; translated later, once per language."""
    return message


CATEGORIES = {
    "elderly_care": N_("养老助老"),
    "health": N_("医疗卫生"),
    "accessibility": N_("加装电梯与无障碍"),
    "community_space": N_("邻里中心与社区空间"),
    "fire_safety": N_("消防安全"),
    "environment": N_("环境与垃圾分类"),
    "education": N_("教育文化"),
    "other": N_("其他"),
}

STATUSES = {
    "draft": N_("草稿"),
    "proposals": N_("征集项目"),
    "review": N_("评审中"),
    "pledging": N_("认捐中"),
    "live": N_("众筹会进行中"),
    "closed": N_("已结束"),
    "reporting": N_("执行与公示"),
    "archived": N_("已归档"),
    "submitted": N_("已提交待审"),
    "changes_requested": N_("已退回修改"),
    "approved": N_("审核通过"),
    "rejected": N_("未通过"),
    "published": N_("已发布"),
    "funded": N_("已筹满"),
    "in_progress": N_("实施中"),
    "completed": N_("已完成"),
    "cancelled": N_("已取消"),
    "pledged": N_("已认捐"),
    "partially_paid": N_("部分到账"),
    "paid": N_("已到账"),
    "lapsed": N_("已逾期失效"),
}

PROGRESS_LABEL = N_("筹款进度")


@functools.cache
def _translated(locale: str, table: str) -> dict[str, str]:
    catalog = i18n.translations(locale)
    source = {"category": CATEGORIES, "status": STATUSES, "other": {"progress": PROGRESS_LABEL}}
    return {code: catalog.gettext(message) for code, message in source[table].items()}


def category_name(code: str) -> str:
    return _translated(i18n.current_locale.get(), "category").get(code, code)


def status_name(code: str) -> str:
    return _translated(i18n.current_locale.get(), "status").get(code, code)


def progress_bar(received: int, target: int) -> Markup:
    """The funding progress bar (received against target) with its text."""
    pct = min(100, received * 100 // target) if target else 0
    return _PROGRESS.format(
        pct=pct,
        label=_translated(i18n.current_locale.get(), "other")["progress"],
        received=format_yuan(received),
        target=format_yuan(target),
    )


_PROGRESS = Markup(
    '<div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" '
    'aria-valuenow="{pct}"\n     aria-label="{label}">\n'
    '  <div class="progress-bar" style="width: {pct}%"></div>\n</div>\n'
    '<div class="progress-text"><strong>{received}</strong> / {target} · {pct}%</div>'
)
