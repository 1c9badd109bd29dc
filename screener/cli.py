"""Command-line tools: `flask rules ...`, `flask demo ...` (and `flask db ...` from Migrate)."""

from __future__ import annotations

import json
import secrets
import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from .rules.__main__ import load_answers, print_evaluation, print_rulebook

rules_cli = AppGroup("rules", help="Read the rulebook and check a case by hand.")
demo_cli = AppGroup("demo", help="Demo data for trying the application locally.")
drafts_cli = AppGroup("drafts", help="Unfinished questionnaires.")


@rules_cli.command("list")
def rules_list() -> None:
    """Print every rule with its wording and sources."""
    print_rulebook(sys.stdout)


@rules_cli.command("evaluate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def rules_evaluate(file: Path, as_of) -> None:
    """Print the scores and flags for an answers file (JSON)."""
    try:
        answers = load_answers(file)
    except (OSError, json.JSONDecodeError) as error:
        raise click.ClickException(f"cannot read {file}: {error}") from error
    print_evaluation(answers, as_of.date() if as_of else date.today(), sys.stdout)


@demo_cli.command("staff")
def demo_staff() -> None:
    """Create (or reset) the demo staff account and print its login. Local use only."""
    from .staff.accounts import ensure_demo_account

    email, password = ensure_demo_account(secrets.token_urlsafe(12))
    click.echo("")
    click.echo("  Demo staff login (local use only; production refuses to start with it):")
    click.echo(f"    email:    {email}")
    click.echo(f"    password: {password}")
    click.echo("")


@drafts_cli.command("purge")
def drafts_purge() -> None:
    """Delete expired drafts that were never sent (run daily, e.g. from cron)."""
    from .patient.drafts import purge_expired

    click.echo(f"Deleted {purge_expired()} expired unsent drafts.")


def register(app: Flask) -> None:
    app.cli.add_command(rules_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(drafts_cli)
