"""The `minsheng` command line. Commands call the same services as the HTTP handlers."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from service.errors import DomainError
from service.settings import Settings, SettingsError, get_settings

T = TypeVar("T")


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine with the database pool open around it."""
    from service import db

    async def wrapped() -> T:
        await db.start_pool()
        try:
            return await coro_fn()
        finally:
            await db.close_pool()

    return asyncio.run(wrapped())


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """minsheng — 民生实事公益众筹会: projects, pledges, payments, receipts, fund ledger."""
    ctx.obj = get_settings()


async def migrate_database() -> str:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not result.success:
        raise click.ClickException(f"migration failed: {result.message}")
    return result.message


@cli.command()
def migrate() -> None:
    """Bring the database (DATABASE_URL) to the latest schema."""
    run(migrate_database)
    click.echo("database is at the latest schema")


async def _load_demo_with_progress() -> list[int]:
    from service.demo.loader import demo_steps, load_demo

    with progress_bar() as bar:
        task = bar.add_task("loading demo editions", total=demo_steps())
        return await load_demo(lambda n: bar.advance(task, n))


@cli.command("load-demo")
def load_demo_command() -> None:
    """Load the 5th edition (23 projects) and an open 6th edition; twice changes nothing."""
    loaded = run(_load_demo_with_progress)
    if loaded:
        click.echo(f"loaded editions {', '.join(map(str, loaded))}")
    else:
        click.echo("demo data already present; nothing changed")


def _serve(settings: Settings, host: str, port: int, workers: int, reload: bool = False) -> None:
    import uvicorn

    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        log_level=settings.log_level.lower(),
    )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.pass_obj
def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve the web application with uvicorn."""
    _serve(settings, host, port, workers)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_obj
def demo(settings: Settings, host: str, port: int) -> None:
    """Migrate, load the demo data if the database is empty, and serve it."""

    async def prepare() -> list[int]:
        await migrate_database()
        from service.events.tables import Event

        if await Event.count() == 0:
            return await _load_demo_with_progress()
        return []

    loaded = run(prepare)
    click.echo("demo data loaded" if loaded else "using the existing database")
    click.echo(f"minsheng is at http://{host}:{port}/  (Ctrl-C to stop)")
    _serve(settings, host, port, workers=1)


def _celery(argv: list[str]) -> None:
    from tasks.celery_app import app

    app.start(argv)


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Run a Celery worker against REDIS_URL (extra options go to celery)."""
    _require_redis(ctx.obj)
    _celery(["worker", "--loglevel", ctx.obj.log_level, *ctx.args])


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def beat(ctx: click.Context) -> None:
    """Run Celery beat (the periodic schedule) against REDIS_URL."""
    _require_redis(ctx.obj)
    schedule = str(ctx.obj.data_dir / "celerybeat-schedule")
    ctx.obj.data_dir.mkdir(parents=True, exist_ok=True)
    _celery(["beat", "--loglevel", ctx.obj.log_level, "--schedule", schedule, *ctx.args])


def _require_redis(settings: Settings) -> None:
    if not settings.redis_url:
        raise click.ClickException(
            "REDIS_URL is not set: without it tasks run inside the web process and no "
            "worker is needed. Set REDIS_URL=redis://127.0.0.1:6379/0 to run one."
        )


@cli.command("create-user")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(["organizer", "project_owner", "auditor"]))
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="MINSHENG_NEW_PASSWORD",
)
@click.option("--display-name", default="")
@click.option("--email", default=None)
@click.option(
    "--organization",
    "organization_name",
    default=None,
    help="Organization name, required for project owners.",
)
@click.option(
    "--admin",
    "admin_login",
    is_flag=True,
    help="Organizers only: also create a login for the read-only Piccolo Admin at /admin.",
)
def create_user_command(
    username: str,
    role: str,
    password: str,
    display_name: str,
    email: str | None,
    organization_name: str | None,
    admin_login: bool,
) -> None:
    """Create a staff account (organizer, project owner or auditor)."""
    from service.auth.services import UserDraft, create_user
    from service.auth.tables import StaffUser
    from service.orgs.tables import Organization

    async def create() -> int:
        org_id = None
        if organization_name:
            row = (
                await Organization.select(Organization.id)
                .where(Organization.name == organization_name)
                .first()
            )
            if row is None:
                raise click.ClickException(f"no organization named {organization_name!r}")
            org_id = row["id"]
        user_id = await create_user(
            UserDraft(username, password, StaffUser.Role(role), display_name, email, org_id)
        )
        if admin_login:
            from service.admin import create_admin_login

            await create_admin_login(username.strip().lower(), password)
        return user_id

    if admin_login and role != "organizer":
        raise click.ClickException("--admin is for organizers only")
    try:
        user_id = run(create)
    except DomainError as exc:
        raise click.ClickException(
            "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.detail
        ) from exc
    click.echo(
        f"created {role} {username!r} (id {user_id})"
        + (" with /admin login" if admin_login else "")
    )


@cli.group()
def ledger() -> None:
    """The fund ledger."""


@ledger.command("verify")
def ledger_verify() -> None:
    """Check the hash chain and that every transaction balances; exit 1 naming the first
    bad transaction."""
    from service.ledger.services import verify_chain
    from service.ledger.tables import LedgerTransaction

    async def verify() -> Any:
        total = await LedgerTransaction.count()
        with progress_bar() as bar:
            task = bar.add_task("verifying ledger", total=total)
            return await verify_chain(progress=lambda: bar.advance(task))

    report = run(verify)
    if not report.ok:
        for problem in report.problems:
            click.echo(f"FAIL {problem}", err=True)
        sys.exit(1)
    click.echo(f"ledger OK: {report.transactions} transactions, head {report.head_hash}")


@cli.group("import")
def import_group() -> None:
    """Import outside data."""


@import_group.command("bank-statement")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_bank_statement(path: str) -> None:
    """Store a bank statement's credit lines (CSV, UTF-8 or GB18030) once and propose
    pledge matches; organizers confirm them on /console/bank-statements."""
    from pathlib import Path

    from service.audit.services import Actor
    from service.payments.bank_statements import import_statement

    data = Path(path).read_bytes()

    async def load() -> Any:
        with progress_bar() as bar:
            task = bar.add_task("importing statement", total=1)
            result = await import_statement(data, Actor("cli"))
            bar.advance(task)
            return result

    try:
        result = run(load)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    for error in result.errors:
        click.echo(f"skipped {error.field}: {error.message}", err=True)
    click.echo(
        f"{result.added} new lines, {result.already_imported} already imported, "
        f"{result.skipped_debits} debits skipped, {result.proposed} matches proposed"
    )


def main() -> None:
    os.environ.setdefault("PICCOLO_CONF", "service.piccolo_conf")
    try:
        get_settings()
    except SettingsError as exc:
        click.echo(f"minsheng: configuration error: {exc}", err=True)
        sys.exit(2)
    try:
        cli(standalone_mode=True)
    except DomainError as exc:
        detail = "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.detail
        click.echo(f"minsheng: {detail}", err=True)
        sys.exit(1)
