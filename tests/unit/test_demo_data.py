"""The demo data set is consistent: references resolve, codes validate, money adds up."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

import pytest

from service.demo.data import (
    DONORS,
    EVENTS,
    ORGS,
    EventSeed,
    PledgeSeed,
    ProjectSeed,
    donor,
    event_seed,
    org,
)
from service.orgs.uscc import validate_uscc

ORG_KINDS = {"community", "social_org", "enterprise", "government"}
PROJECT_CATEGORIES = {
    "elderly_care",
    "health",
    "accessibility",
    "community_space",
    "fire_safety",
    "environment",
    "education",
    "other",
}
BUDGET_KINDS = {"equipment", "construction", "service", "operation", "other"}
CHANNELS = {"online", "on_stage", "bank_transfer", "cash"}
PROVIDERS = {"bank", "cash"}
EVENT_STATUSES = {
    "draft",
    "proposals",
    "review",
    "pledging",
    "live",
    "closed",
    "reporting",
    "archived",
}
PROJECT_STATUSES = {
    "draft",
    "submitted",
    "approved",
    "rejected",
    "published",
    "funded",
    "in_progress",
    "completed",
    "cancelled",
}


def _all_projects() -> list[ProjectSeed]:
    return [project for event in EVENTS for project in event.projects]


def _all_pledges() -> list[PledgeSeed]:
    return [pledge for event in EVENTS for pledge in event.pledges]


def _is_positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _paid_by_project(event: EventSeed) -> dict[str | None, int]:
    paid: dict[str | None, int] = defaultdict(int)
    for pledge in event.pledges:
        paid[pledge.project] += sum(payment.amount_fen for payment in pledge.payments)
    return paid


def test_events() -> None:
    assert [event.number for event in EVENTS] == [5, 6]
    assert event_seed(5).title == "第五届民生实事公益众筹会"
    assert event_seed(5).status == "reporting"
    assert event_seed(6).status == "pledging"
    with pytest.raises(KeyError):
        event_seed(4)
    for event in EVENTS:
        assert event.status in EVENT_STATUSES
        assert event.pledge_opens <= event.held_on <= event.pledge_closes


def test_fifth_event_has_23_completed_projects() -> None:
    projects = event_seed(5).projects
    assert len(projects) == 23
    assert {project.status for project in projects} == {"completed"}


def test_sixth_event_projects_are_published() -> None:
    projects = event_seed(6).projects
    assert 6 <= len(projects) <= 10
    assert {project.status for project in projects} == {"published"}


def test_keys_are_unique() -> None:
    for keys in (
        [seed.key for seed in ORGS],
        [seed.key for seed in DONORS],
        [project.key for project in _all_projects()],
        [pledge.key for pledge in _all_pledges()],
        [payment.reference for pledge in _all_pledges() for payment in pledge.payments],
    ):
        duplicates = [key for key, count in Counter(keys).items() if count > 1]
        assert not duplicates, duplicates
    assert len({seed.name for seed in ORGS}) == len(ORGS)


def test_references_resolve() -> None:
    org_keys = {seed.key for seed in ORGS}
    donor_keys = {seed.key for seed in DONORS}
    community_names = {seed.name for seed in ORGS if seed.kind == "community"}
    for event in EVENTS:
        project_keys = {project.key for project in event.projects}
        for project in event.projects:
            assert project.owner_org in org_keys, project.key
            # A community's name, or the subdistrict for subdistrict-wide projects.
            assert project.community in community_names | {"望江街道"}, project.key
        for pledge in event.pledges:
            assert pledge.donor in donor_keys, pledge.key
            # Pledges only go to projects of their own event (or its general fund).
            assert pledge.project is None or pledge.project in project_keys, pledge.key
    assert org("xujiabu").name == "徐家埠社区"
    assert donor("ent_yiyao").kind == "enterprise"
    with pytest.raises(KeyError):
        org("nope")
    with pytest.raises(KeyError):
        donor("nope")


def test_every_donor_pledges() -> None:
    pledging = {pledge.donor for pledge in event_seed(5).pledges}
    assert pledging == {seed.key for seed in DONORS}
    assert 35 <= len(DONORS) <= 45


def test_enums() -> None:
    assert {seed.kind for seed in ORGS} == ORG_KINDS
    assert {seed.kind for seed in DONORS} == {"individual", "enterprise"}
    for project in _all_projects():
        assert project.category in PROJECT_CATEGORIES
        assert project.status in PROJECT_STATUSES
        assert {line.kind for line in project.budget} <= BUDGET_KINDS
    for pledge in _all_pledges():
        assert pledge.channel in CHANNELS
        assert {payment.provider for payment in pledge.payments} <= PROVIDERS


def test_enterprise_codes_validate() -> None:
    enterprises = [seed for seed in DONORS if seed.kind == "enterprise"]
    enterprises += [seed for seed in ORGS if seed.kind == "enterprise"]
    assert enterprises
    for seed in enterprises:
        assert seed.uscc is not None, seed.key
        assert validate_uscc(seed.uscc) == seed.uscc
    for seed in ORGS:
        if seed.uscc is not None:
            assert validate_uscc(seed.uscc) == seed.uscc
    for seed in DONORS:
        if seed.kind == "individual":
            assert seed.uscc is None


def test_donor_names() -> None:
    anonymous = [seed for seed in DONORS if seed.anonymous]
    assert 1 <= len(anonymous) <= 5
    for seed in DONORS:
        assert seed.display_name and seed.receipt_title
        if seed.kind == "enterprise":
            assert seed.receipt_title == seed.display_name
        if seed.email is not None:
            assert seed.email.endswith("example.com")


def test_amounts_are_positive_ints() -> None:
    for project in _all_projects():
        assert project.budget, project.key
        for line in project.budget:
            assert _is_positive_int(line.amount_fen), (project.key, line.item)
        assert _is_positive_int(project.target_fen)
        if project.minimum_fen is not None:
            assert _is_positive_int(project.minimum_fen)
            assert project.minimum_fen <= project.target_fen
    for pledge in _all_pledges():
        assert _is_positive_int(pledge.amount_fen), pledge.key
        for payment in pledge.payments:
            assert _is_positive_int(payment.amount_fen), payment.reference
        assert pledge.paid_fen <= pledge.amount_fen, pledge.key


def test_dates_are_plausible() -> None:
    for event in EVENTS:
        year = event.held_on.year
        for pledge in event.pledges:
            assert isinstance(pledge.pledged_on, datetime.date)
            assert pledge.pledged_on.year == year
            if pledge.channel == "on_stage":
                assert pledge.pledged_on == event.held_on
            for payment in pledge.payments:
                assert payment.paid_on >= pledge.pledged_on, payment.reference
                assert payment.reference.startswith(f"WJ{event.number}-{payment.provider.upper()}-")


def test_fifth_event_fully_paid_and_funded() -> None:
    event = event_seed(5)
    for pledge in event.pledges:
        assert pledge.payments, pledge.key
        assert pledge.paid_fen == pledge.amount_fen, pledge.key
        if pledge.channel == "cash":
            assert {payment.provider for payment in pledge.payments} == {"cash"}
    paid = _paid_by_project(event)
    for project in event.projects:
        assert paid[project.key] == project.target_fen, project.key
    assert paid[None] > 0  # a few gifts to the general fund


def test_fifth_event_total() -> None:
    total = sum(pledge.paid_fen for pledge in event_seed(5).pledges)
    assert 203_000_000 <= total <= 203_500_000
    assert total == 203_158_000  # ¥2,031,580.00, "203余万元"


def test_fifth_event_claims_and_mix() -> None:
    event = event_seed(5)
    targets = {project.key: project.target_fen for project in event.projects}
    whole_claims = [
        pledge
        for pledge in event.pledges
        if pledge.channel == "on_stage"
        and pledge.project is not None
        and pledge.amount_fen == targets[pledge.project]
    ]
    assert len(whole_claims) >= 10
    assert 60 <= len(event.pledges) <= 90
    assert {pledge.channel for pledge in event.pledges} == CHANNELS


def test_sixth_event_pledges_open() -> None:
    event = event_seed(6)
    assert event.pledges
    unpaid = [pledge for pledge in event.pledges if not pledge.payments]
    partly = [pledge for pledge in event.pledges if 0 < pledge.paid_fen < pledge.amount_fen]
    assert unpaid and partly
    targets = {project.key: project.target_fen for project in event.projects}
    for project_key, paid in _paid_by_project(event).items():
        if project_key is not None:
            assert paid < targets[project_key]
    assert any(project.implementer == "上城区望江公益服务中心" for project in event.projects)


def test_seeds_are_immutable() -> None:
    with pytest.raises(AttributeError):
        event_seed(5).projects[0].title = "x"  # type: ignore[misc]


def test_fifth_event_building_follows_its_money() -> None:
    """Each built project starts after pledging closed, its deposits paid from gifts that
    came in before them; its balance is paid after its last gift. Claims paid in two
    instalments start on the first, so the works and the last gifts overlap in time."""
    from service.demo.money_out import DEPOSIT_PERCENT, schedule

    fifth = event_seed(5)
    overlapping = 0
    for project in fifth.projects:
        when = schedule(fifth, project)
        assert when.start > fifth.pledge_closes, project.key
        deposits_paid_on = when.start + datetime.timedelta(days=7)
        deposits = sum(
            line.amount_fen * DEPOSIT_PERCENT.get(line.kind, 50) // 100 for line in project.budget
        )
        days = [
            payment.paid_on
            for pledge in fifth.pledges
            if pledge.project == project.key
            for payment in pledge.payments
        ]
        before = sum(
            payment.amount_fen
            for pledge in fifth.pledges
            if pledge.project == project.key
            for payment in pledge.payments
            if payment.paid_on < deposits_paid_on
        )
        assert before >= deposits, project.key
        assert when.funded_on == max(days)
        overlapping += deposits_paid_on < when.funded_on
    assert overlapping > 0
