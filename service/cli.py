"""The `minsheng` command line. Commands call the same services as the HTTP handlers."""

from __future__ import annotations

import asyncio
import os
import sys
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from service.errors import DomainError
from service.settings import Settings, SettingsError, get_settings

T = TypeVar("T")


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine with the database pool open around it (and the outbox relay
    wired, so rows the command writes are kicked as in the web process)."""
    from service import db
    from service.app import wire_outbox_relay
    from service.outbox import relay_hooks

    wire_outbox_relay()

    async def wrapped() -> T:
        await db.start_pool(role="cli")
        try:
            return await coro_fn()
        finally:
            await relay_hooks.flush()
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

    from service.logging import log_config
    from service.ops.metrics import prepare_multiprocess_dir

    prepare_multiprocess_dir("web")
    from service.dbcheck import preflight

    try:
        preflight(settings)  # one line, not a traceback per worker, when it is unreachable
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None

    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        log_level=settings.log_level.lower(),
        log_config=log_config(settings),
        # Children import the whole app before answering the supervisor's ping; on a busy
        # machine that takes longer than uvicorn's default 5 s, and it killed them in a loop.
        timeout_worker_healthcheck=30,
    )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.pass_obj
def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve the web application with uvicorn."""
    if workers > 1 and settings.env == "production" and not settings.redis_url:
        # Sessions, login throttles and rate limits would live per process: a user logged
        # in by one worker would be a stranger to the next.
        raise click.UsageError(
            f"--workers {workers} needs REDIS_URL in production (sessions and rate limits "
            "are shared through Redis); set it or serve with one worker"
        )
    _serve(settings, host, port, workers)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_obj
def demo(settings: Settings, host: str, port: int) -> None:
    """Migrate, load the demo data if the database is empty, and serve it."""
    from service.demo.data import DEMO_ENVIRONMENT

    for name, value in DEMO_ENVIRONMENT.items():  # demo bank details, unless set
        os.environ.setdefault(name, value)
    get_settings.cache_clear()  # read again with them
    settings = get_settings()

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
    from service.ops.metrics import prepare_multiprocess_dir

    prepare_multiprocess_dir("worker")  # prefork children count into one folder
    _celery(["worker", "--loglevel", ctx.obj.log_level, *ctx.args])


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def beat(ctx: click.Context) -> None:
    """Run Celery beat (the periodic schedule) against REDIS_URL. Safe to run on several
    machines: the schedule and a lock live in Redis (RedBeat), one beat sends at a time."""
    _require_redis(ctx.obj)
    _celery(["beat", "--loglevel", ctx.obj.log_level, *ctx.args])


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
    hidden=True,
    help="Accepted for old scripts: Piccolo Admin was removed; organizers see staff and "
    "organizations in the console.",
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
        return user_id

    if admin_login and role != "organizer":
        raise click.ClickException("--admin is for organizers only")
    try:
        user_id = run(create)
    except DomainError as exc:
        raise click.ClickException(
            "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.detail
        ) from exc
    click.echo(f"created {role} {username!r} (id {user_id})")
    if admin_login:
        click.echo("--admin: there is no separate admin login any more; use /console/staff")


@cli.group()
def ledger() -> None:
    """The fund ledger."""


@ledger.command("verify")
@click.option(
    "--head",
    "published_head",
    default=None,
    help="A head hash published earlier (e.g. on the event page): it must still be in the "
    "chain, which detects removal of the newest transactions.",
)
@click.option("--chain-only", is_flag=True, help="Skip comparing balances with source records.")
def ledger_verify(published_head: str | None, chain_only: bool) -> None:
    """Check the hash chain, that every transaction balances, and that the balances equal
    the source records; exit 1 naming the first bad transaction."""
    from service.ledger.checks import compare_all_events
    from service.ledger.services import verify_chain
    from service.ledger.tables import LedgerTransaction

    async def verify() -> tuple[Any, list[str], bool]:
        total = await LedgerTransaction.count()
        with progress_bar() as bar:
            task = bar.add_task("verifying ledger", total=total)
            report = await verify_chain(progress=lambda: bar.advance(task))
        findings = [] if chain_only else await compare_all_events()
        known = True
        if published_head:
            known = await LedgerTransaction.exists().where(
                LedgerTransaction.hash == published_head.strip().lower()
            )
        return report, findings, known

    report, findings, known = run(verify)
    failed = False
    if not report.ok:
        for problem in report.problems:
            click.echo(f"FAIL {problem}", err=True)
        failed = True
    for finding in findings:
        click.echo(f"FAIL balance: {finding}", err=True)
        failed = True
    if not known:
        click.echo(f"FAIL published head {published_head} is not in the chain", err=True)
        failed = True
    if failed:
        sys.exit(1)
    click.echo(
        f"ledger OK: {report.transactions} transactions, head {report.head_hash}"
        + ("" if chain_only else "; balances equal the source records")
    )


@cli.group("export")
def export_group() -> None:
    """Exports for auditors."""


@export_group.command("ledger")
@click.option("--event", "event_number", required=True, type=click.IntRange(1))
@click.option(
    "--format", "fmt", default="csv", show_default=True, type=click.Choice(["csv", "xlsx", "json"])
)
@click.option(
    "--kind",
    default="journal",
    show_default=True,
    type=click.Choice(
        ["journal", "statement", "pledges", "receipts", "matching", "disbursements", "evidence"]
    ),
)
@click.option("--project", "project_id", default=None, type=click.IntRange(1))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
def export_ledger(
    event_number: int, fmt: str, kind: str, project_id: int | None, output: str
) -> None:
    """Write an export to FILE and its manifest to FILE.manifest.json."""
    import json
    from pathlib import Path

    from service.audit.services import Actor
    from service.exports.services import prepare_export

    target = Path(output)

    async def export() -> dict[str, Any]:
        run_ = await prepare_export(
            kind=kind,
            fmt=fmt,
            event_number=event_number,
            project_id=project_id,
            actor=Actor("cli"),
        )
        # The COPY path counts in its own snapshot; other paths count first for the bar.
        total = None if run_.row_count_up_front else await run_.exporter.count()
        partial = target.with_name(target.name + ".part")
        with progress_bar() as bar, partial.open("wb") as handle:
            task = bar.add_task(f"exporting {kind} ({fmt})", total=total)
            run_.on_rows = lambda n: bar.advance(task, n)
            run_.on_total = lambda n: bar.update(task, total=n + 1)  # + the header line
            async for chunk in run_.chunks():
                handle.write(chunk)
        partial.replace(target)
        return run_.manifest

    manifest = run(export)
    manifest_path = target.with_name(target.name + ".manifest.json")
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    click.echo(
        f"wrote {manifest['rows']} rows to {target} (sha256 {manifest['sha256']}); "
        f"manifest {manifest_path}"
    )


@cli.group("import")
def import_group() -> None:
    """Import outside data."""


@import_group.command("bank-statement")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--account", default=None, help="Account name (else the account the file names).")
@click.option("--mapping", default=None, help="A column mapping saved for the account.")
@click.option("--layout", default=None, help="Force a known layout (see `statements layouts`).")
def import_bank_statement(
    path: str, account: str | None, mapping: str | None, layout: str | None
) -> None:
    """Store a bank or wallet statement's lines (CSV, XLSX or XLS, as exported) once per
    account and propose pledge matches; organizers confirm them on
    /console/bank-statements or with `minsheng statements confirm-certain`."""
    from service.statements.cli import import_file

    try:
        import_file(path, account, mapping, layout)
    except DomainError as exc:
        detail = "; ".join(f"{e.field}: {e.message}" for e in exc.errors[:10]) or exc.detail
        raise click.ClickException(detail) from exc


def _add_domain_commands() -> None:
    from service.statements import cli as statements_cli

    statements_cli.RUNNER = statements_cli.Runner(run, progress_bar)
    cli.add_command(statements_cli.statements_group)


_add_domain_commands()


@cli.command()
@click.pass_obj
def doctor(settings: Settings) -> None:
    """Check this deployment: one line per check with ok or FAIL and the fix; exit 1 if
    any check fails."""
    from service.doctor import run_checks

    findings = asyncio.run(run_checks(settings))
    for finding in findings:
        click.echo(finding.line())
    failed = [f.name for f in findings if not f.ok]
    if failed:
        click.echo(f"{len(failed)} of {len(findings)} checks failed: {', '.join(failed)}")
        sys.exit(1)
    click.echo(f"all {len(findings)} checks passed")


def _add_backup_commands() -> None:
    from service.backup import backup_command, restore_command

    cli.add_command(backup_command)
    cli.add_command(restore_command)


_add_backup_commands()


def main() -> None:
    os.environ.setdefault("PICCOLO_CONF", "service.piccolo_conf")
    # Piccolo warns when its version probe cannot connect; the one-line message below
    # says the same with the address and what to check.
    warnings.filterwarnings("ignore", message=".*Unable to connect to database")
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
    except Exception as exc:
        from service.dbcheck import is_database_unavailable, unreachable_message

        if not is_database_unavailable(exc):
            raise
        click.echo(f"minsheng: {unreachable_message(get_settings(), exc)}", err=True)
        sys.exit(1)
