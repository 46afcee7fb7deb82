"""`minsheng backup` and `minsheng restore`: a whole-database copy with the engines' own
tools — pg_dump's custom format (PostgreSQL) or SQLite's online backup API — and its
restore into an empty database. The runbook is in README ("Backups")."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import click

from service.settings import Settings


class BackupError(click.ClickException):
    pass


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (our tools)
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{Path(command[0]).name} failed: {message[-1] if message else '?'}")


def backup(settings: Settings, output: Path) -> None:
    """Write a consistent copy of the database (taken inside one snapshot) to `output`."""
    output.parent.mkdir(parents=True, exist_ok=True)
    if settings.is_sqlite:
        source = sqlite3.connect(settings.sqlite_path)
        target = sqlite3.connect(output)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    _run(
        [
            _tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={output}",
            f"--dbname={settings.database_url}",
        ]
    )


def _postgres_is_empty(settings: Settings) -> bool:
    result = subprocess.run(  # noqa: S603 (psql, with our own settings)
        [
            _tool("psql"),
            f"--dbname={settings.database_url}",
            "--tuples-only",
            "--no-align",
            "--command=SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"cannot read the target database: {result.stderr.strip()}")
    return result.stdout.strip() == "0"


def restore(settings: Settings, source: Path) -> None:
    """Load a backup into DATABASE_URL, which must be empty; all or nothing."""
    if not source.is_file():
        raise BackupError(f"no backup file {source}")
    if settings.is_sqlite:
        target = Path(settings.sqlite_path)
        if target.exists() and target.stat().st_size > 0:
            raise BackupError(f"{target} exists: restore into a new file")
        shutil.copyfile(source, target)
        return
    if not _postgres_is_empty(settings):
        raise BackupError("the target database is not empty: restore into a new database")
    _run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={settings.database_url}",
            str(source),
        ]
    )


@click.command("backup")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The backup file to write (pg_dump custom format, or a SQLite file).",
)
@click.pass_obj
def backup_command(settings: Settings, output: Path) -> None:
    """Copy the whole database (DATABASE_URL) to a file."""
    backup(settings, output)
    click.echo(f"backup written to {output} ({output.stat().st_size} bytes)")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def restore_command(settings: Settings, source: Path) -> None:
    """Load a backup into DATABASE_URL, which must be a new, empty database."""
    restore(settings, source)
    click.echo(f"restored {source}; check it with `minsheng ledger verify --head <head>`")
