"""`minsheng import bank-statement` and `minsheng statements …`: the same services the
console uses, with a progress bar for long files.

The entry point (service/cli.py) hands in how to run a coroutine with the database open
and how to draw a progress bar (`Runner`), so this module never imports it."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from service.audit.services import Actor

CLI_ACTOR = Actor("cli")


@dataclass(frozen=True)
class Runner:
    run: Callable[[Callable[[], Awaitable[Any]]], Any]
    progress_bar: Callable[[], Any]


RUNNER: Runner | None = None


def _runner() -> Runner:
    if RUNNER is None:
        raise RuntimeError("service.cli registers the runner at start")
    return RUNNER


def import_file(path: str, account: str | None, mapping: str | None, layout: str | None) -> None:
    from service.statements import services

    run, progress_bar = _runner().run, _runner().progress_bar
    handle = Path(path).open("rb")  # noqa: SIM115 - closed below, read inside the loop

    timing: dict[str, float] = {}

    async def load() -> Any:
        timing["started"] = time.perf_counter()
        account_id = (await services.account_by_name(account))["id"] if account else None
        with progress_bar() as bar:
            task = bar.add_task(f"importing {Path(path).name}", total=None)
            outcome = await services.import_statement_file(
                handle,
                CLI_ACTOR,
                account_id=account_id,
                mapping=mapping,
                layout=layout,
                file_name=Path(path).name,
                on_progress=lambda n: bar.advance(task, n),
            )
            bar.update(task, total=outcome.lines, completed=outcome.lines)
        timing["seconds"] = time.perf_counter() - timing["started"]
        return outcome

    try:
        outcome = run(load)
    finally:
        handle.close()
    seconds = timing["seconds"]  # the import itself, without start-up
    click.echo(
        f"{outcome.account_name} ({outcome.layout}): {outcome.lines} lines read, "
        f"{outcome.new_credits} new credits, {outcome.new_debits} new debits, "
        f"{outcome.known} already imported; {outcome.proposed} matches proposed, "
        f"{outcome.certain} certain; {seconds:.1f} s"
    )


@click.group("statements")
def statements_group() -> None:
    """Statement accounts, layouts and bulk confirmation."""


@statements_group.command("add-account")
@click.argument("name")
@click.option(
    "--provider",
    type=click.Choice(["bank", "wechat_pay", "alipay"]),
    default="bank",
    show_default=True,
)
@click.option("--number", default="", help="Account or merchant number the files name.")
@click.option("--holder", default="", help="Account holder's name.")
def add_account(name: str, provider: str, number: str, holder: str) -> None:
    """Register an account statements come from."""
    from service.statements import services

    run = _runner().run

    account_id = run(lambda: services.add_account(name, provider, number, holder, CLI_ACTOR))
    click.echo(f"account {account_id}: {name}")


@statements_group.command("accounts")
def list_accounts() -> None:
    """Accounts and their saved column mappings."""
    from service.statements import services

    run = _runner().run

    async def load() -> list[tuple[dict, list[dict]]]:
        return [(a, await services.mappings(a["id"])) for a in await services.accounts()]

    for account, maps in run(load):
        names = ", ".join(m["name"] for m in maps) or "-"
        click.echo(
            f"{account['name']}\t{account['provider']}\t{account['number'] or '-'}\t"
            f"mappings: {names}"
        )


@statements_group.command("layouts")
def list_layouts() -> None:
    """The statement layouts recognised by their headers."""
    from service.statements.layouts import LAYOUTS

    for layout in LAYOUTS:
        click.echo(f"{layout.name}\t{layout.title}\t{layout.source}")


@statements_group.command("confirm-certain")
@click.option("--account", default=None, help="Only this account's lines.")
def confirm_certain(account: str | None) -> None:
    """Apply every certain proposal (pledge code or payer name and exact amount)."""
    from service.statements import services

    run = _runner().run

    async def apply() -> Any:
        account_id = (await services.account_by_name(account))["id"] if account else None
        return await services.confirm_certain(CLI_ACTOR, account_id)

    outcome = run(apply)
    for entry_id, why in outcome.failed:
        click.echo(f"line {entry_id} not applied: {why}", err=True)
    click.echo(f"{outcome.applied} lines applied")
