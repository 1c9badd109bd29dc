"""Command-line tools: `flask check`, `flask rules ...`, `flask demo ...`, `flask users ...`,
`flask retention purge`, `flask audit verify` (and `flask db ...` from Migrate)."""

from __future__ import annotations

import json
import secrets
import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from .extensions import db
from .models import Submission, User
from .rules import Settings
from .rules.__main__ import load_answers, print_evaluation, print_rulebook
from .staff import audit
from .staff.accounts import (
    AccountError,
    create_user,
    disable_user,
    find_user,
    other_active_admins,
    password_problem,
    random_password,
    set_password,
    temporary_password_expires_at,
)
from .staff.routes import staff_time

rules_cli = AppGroup("rules", help="Read the rulebook and check a case by hand.")
demo_cli = AppGroup("demo", help="Demo data for trying the application locally.")
users_cli = AppGroup("users", help="Staff accounts: the first admin, and scripts (admins manage "
                     "accounts in the browser at /staff/admin/users).")
retention_cli = AppGroup("retention", help="Delete old data per the clinic's retention policy.")
audit_cli = AppGroup("audit", help="The audit log.")


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


@retention_cli.command("purge")
@click.option("--older-than", "days", type=click.IntRange(min=1), required=True, metavar="DAYS",
              help="Only data older than this many days is deleted.")
@click.option("--submissions", is_flag=True,
              help="Also delete submissions received more than DAYS days ago, with their notes.")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
def retention_purge(days: int, submissions: bool, dry_run: bool) -> None:
    """Delete expired unsent drafts and sent drafts last saved more than DAYS days ago (and,
    with --submissions, older submissions). Never touches anything newer; safe to run daily
    from cron; audit-logged."""
    from .retention import purge

    result = purge(days, submissions=submissions, dry_run=dry_run)
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(f"{verb} {result.describe()}; nothing saved after "
               f"{result.cutoff:%Y-%m-%d %H:%M} UTC was touched.")
    if not submissions:
        click.echo("Submissions are kept (add --submissions to delete old ones).")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain; exit 1 at the first entry that was changed, removed
    or inserted outside the application."""
    report = audit.verify_chain()
    if not report.intact:
        raise click.ClickException(
            f"the audit log is broken at entry {report.broken_at}: it {report.problem}. "
            f"The {report.rows - 1} entries before it are intact.")
    click.echo(f"Audit log intact: {report.rows} entries, every link checked.")


@demo_cli.command("seed")
@click.option("--count", type=click.IntRange(1, 10_000_000), default=200, show_default=True,
              help="How many fake submissions to add.")
@click.option("--seed", "seed_value", type=int, default=None,
              help="Random seed, for the same data every time.")
@click.option("--days", type=click.IntRange(1, 3650), default=365, show_default=True,
              help="Spread the submissions over this many past days.")
@click.option("--if-empty", is_flag=True, help="Do nothing when submissions already exist.")
def demo_seed(count: int, seed_value: int | None, days: int, if_empty: bool) -> None:
    """Add realistic, varied fake submissions (scored by the real rulebook). Demo use only."""
    from .staff.seed import seed
    from .staff.seed_drafts import seed_drafts

    if current_app.config["PRODUCTION"]:
        raise click.ClickException("fake submissions are not allowed in production")
    if if_empty and db.session.scalar(select(func.count()).select_from(Submission)):
        click.echo("Submissions already exist; nothing added.")
        return
    settings = Settings.from_dict(current_app.config["RULE_SETTINGS"])
    seconds = seed(count, seed_value=seed_value, days=days, settings=settings)
    click.echo(f"Added {count} fake submissions in {seconds:.1f} s.")
    click.echo(seed_drafts(count, seed_value=seed_value, days=days))  # the dashboard's


def _account(email: str):
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no account for {email}")
    return user


def _works_until(user: User) -> str:
    """When the temporary password stops working, in the clinic's time zone."""
    return staff_time(temporary_password_expires_at(user))


def _checked_password(password: str, email: str) -> str:
    problem = password_problem(password, email, current_app.config["CLINIC_NAME"])
    if problem:
        raise click.ClickException(problem)
    return password


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["staff", "admin"]), default="staff",
              show_default=True)
def users_create(email: str, role: str) -> None:
    """Create an account with a random temporary password, changed at first log-in."""
    password = random_password()
    try:
        user = create_user(email, role, password, must_change=True)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    audit.record("user_created", detail=f"user {user.id} role {role}")
    db.session.commit()
    click.echo(f"Created {role} account {user.email}.")
    click.echo(f"Temporary password (shown once; to be changed at first log-in): {password}")
    click.echo(f"It works until {_works_until(user)}; after that, give a new one "
               "(flask users set-password EMAIL --random).")
    if role == "admin":
        click.echo("Admins set up two-step verification (an authenticator app) at first log-in.")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--random", "make_random", is_flag=True,
              help="Set a random temporary password, to be changed at next log-in.")
def users_set_password(email: str, make_random: bool) -> None:
    """Set a new password (asked for twice, not echoed). Ends the person's sessions."""
    user = _account(email)
    if make_random:
        password = random_password()
        audit.record("user_password_reset", detail=f"user {user.id}")
        set_password(user, password, must_change=True)
        click.echo(f"Temporary password (shown once): {password}")
        click.echo(f"It works until {_works_until(user)}.")
        return
    password = _checked_password(
        click.prompt("New password", hide_input=True, confirmation_prompt=True), user.email)
    audit.record("user_password_reset", detail=f"user {user.id}")
    set_password(user, password)
    click.echo(f"Password changed for {user.email}; their sessions have ended.")


@users_cli.command("disable")
@click.argument("email")
def users_disable(email: str) -> None:
    """Stop an account from logging in and end its sessions (not the only active admin's)."""
    user = _account(email)
    if user.role == "admin" and user.active and other_active_admins(user) == 0:
        raise click.ClickException(
            f"{user.email} is the only active admin; make another account an admin first "
            "(flask users create EMAIL --role admin)")
    disable_user(user)
    audit.record("user_disabled", detail=f"user {user.id}")
    db.session.commit()
    click.echo(f"Disabled {user.email}; their sessions have ended.")


@users_cli.command("list")
def users_list() -> None:
    """Every account: email, role, active, two-step verification, last log-in."""
    users = db.session.scalars(select(User).order_by(User.email)).all()
    click.echo(f"{'email':40} {'role':6} {'active':7} {'two-step':9} last log-in")
    for user in users:
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "never"
        name = user.email + (" (demo)" if user.is_demo else "")
        click.echo(f"{name:40} {user.role:6} {'yes' if user.active else 'no':7} "
                   f"{'on' if user.totp_secret else 'off':9} {last}")


# sysexits.h EX_TEMPFAIL: "try again later" (gunicorn.conf.py starts serving anyway).
UNREACHABLE_EXIT = 75


@click.command("check")
def check() -> None:
    """Check the database before serving: it answers, it is migrated to the code's revision, and
    (in production) it holds no demo staff account. Exit 75 when it does not answer, 1 for any
    other problem. Run by the deployment and by gunicorn's master (gunicorn.conf.py)."""
    from .startup import ConfigurationError, DatabaseUnreachable
    from .startup import check as check_database

    try:
        check_database(current_app)
    except DatabaseUnreachable as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(UNREACHABLE_EXIT)
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error
    click.echo("Start-up checks passed: the database answers, is migrated"
               + (" and holds no demo account." if current_app.config["PRODUCTION"] else "."))


def register(app: Flask) -> None:
    app.cli.add_command(check)
    app.cli.add_command(rules_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(audit_cli)
