"""Staff accounts: argon2id password hashes, the password policy, and account changes.

Every change that should end existing sessions bumps `User.session_version`.

Admins change other people's accounts in the browser (screener/staff/admin.py) through
`change_account`: the form carries the account's `account_state` as it was read, and the change
is one conditional UPDATE that only applies if the account is still in that state, so two admins
acting at once never silently overwrite each other. Removing an admin (demoting or disabling one)
also requires another active admin to remain, checked in the same statement (and, on
PostgreSQL, after locking the admin rows, so two admins cannot demote each other at once).

A temporary password (`must_change_password`) stops working TEMPORARY_PASSWORD_HOURS after it
was issued (`temporary_password_issued_at`, set with it and cleared when the person chooses their
own); the log-in refuses it then (screener/staff/login.py).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import RecoveryCode, User
from ..submissions import CODE_ALPHABET

hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4: above the ASVS floor
DEMO_EMAIL = "demo@clinic.example"
ROLES = ("staff", "admin")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
# Verified against for unknown accounts so that both answers take as long. Made at the first
# unknown account rather than at import: hashing costs 0.3-1 s of CPU, which every process that
# imports the app (each `flask` command, each gunicorn worker) paid before.
_DUMMY_HASH: str | None = None
# Words that make a long password guessable here (ASVS 6.2.11): the clinic's own vocabulary and
# the commonest passwords' stems. Compared after dropping digits, symbols and case.
GUESSABLE_WORDS = frozenset({
    "password", "passw0rd", "letmein", "welcome", "qwerty", "qwertyuiop", "asdfghjkl", "admin",
    "administrator", "iloveyou", "monkey", "dragon", "sunshine", "princess", "football",
    "baseball", "trustno", "changeme", "secret", "abc", "abcdef", "abcdefghijkl", "login",
    "ketamine", "esketamine", "spravato", "clinic", "intake", "staff", "depression", "therapy",
    "screener", "prescreen", "doctor", "nurse", "patient", "summer", "winter", "spring",
    "autumn", "fall",
})


class AccountError(ValueError):
    """An account change that cannot be made, with a message for the person."""


class DuplicateAccount(AccountError):
    """An account with this email address exists already."""


class LastAdmin(AccountError):
    """The change would leave no active admin."""


class AccountChanged(Exception):
    """The account changed since the form was read (another admin, or the person)."""


def hash_password(password: str) -> str:
    return hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_unknown_account(password: str) -> None:
    """The same work as a real check, for an email that has no account (equal timing)."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))
    password_matches(_DUMMY_HASH, password)


def password_problem(password: str, email: str = "", clinic_name: str = "") -> str | None:
    """Why this new password is not acceptable, or None. Length rules only, no composition
    rules (ASVS 6.2); long passphrases and any characters are welcome."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    letters = re.sub(r"[\W\d_]+", "", password.lower())
    if len(set(password)) < 4 or letters in GUESSABLE_WORDS:
        return "This password is too easy to guess. A few unrelated words make a good one."
    local_part = email.split("@")[0].lower()
    clinic = re.sub(r"[\W\d_]+", "", clinic_name.lower())
    if (len(local_part) >= 4 and local_part in password.lower()) or (clinic and letters == clinic):
        return "Do not use your email address or the clinic's name in the password."
    return None


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def normalise_email(email: str) -> str:
    return email.strip().lower()


def random_password() -> str:
    """A temporary password to hand over once: four groups of five letters and digits
    (Crockford's alphabet: no I, L, O or U to misread), 100 random bits, e.g. 7KQ2M-XR4TD-..."""
    groups = ("".join(secrets.choice(CODE_ALPHABET) for _ in range(5)) for _ in range(4))
    return "-".join(groups)


def _now() -> datetime:
    return current_app.config["STAFF_CLOCK"]()


def temporary_password_expires_at(user: User) -> datetime | None:
    """When the account's temporary password stops working; None when it has none (or one
    from before its time was stored, which the migration dates)."""
    if not user.must_change_password or user.temporary_password_issued_at is None:
        return None
    hours = current_app.config["TEMPORARY_PASSWORD_HOURS"]
    return user.temporary_password_issued_at + timedelta(hours=hours)


def temporary_password_expired(user: User) -> bool:
    expires_at = temporary_password_expires_at(user)
    return expires_at is not None and _now() >= expires_at


def end_sessions(user: User) -> None:
    """Every session of this user ends at its next request."""
    user.session_version = (user.session_version or 0) + 1


def create_user(email: str, role: str, password: str, must_change: bool = True) -> User:
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if "@" not in email or len(email) > 254:
        raise AccountError("give the person's work email address")
    if find_user(email) is not None:
        raise DuplicateAccount(f"an account for {email} already exists")
    user = User(email=email, role=role, password_hash=hash_password(password),
                must_change_password=must_change, active=True, session_version=1,
                temporary_password_issued_at=_now() if must_change else None)
    db.session.add(user)
    try:
        db.session.flush()  # the caller commits it with its audit row
    except IntegrityError as error:  # the same email added by someone else just now
        db.session.rollback()
        raise DuplicateAccount(f"an account for {email} already exists") from error
    return user


def set_password(user: User, password: str, must_change: bool = False) -> None:
    """A new password; every existing session of the user ends. A temporary one
    (`must_change`) works for TEMPORARY_PASSWORD_HOURS from now."""
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    user.temporary_password_issued_at = _now() if must_change else None
    end_sessions(user)
    db.session.commit()


def disable_user(user: User) -> None:
    """The account can no longer log in and its sessions end. A disabled demo account stops
    being a default account: its printed password is replaced by an unknown one."""
    user.active = False
    if user.is_demo:
        user.is_demo = False
        user.password_hash = hash_password(secrets.token_urlsafe(32))
    end_sessions(user)
    db.session.commit()


def ensure_demo_account(password: str) -> tuple[str, str]:
    """The demo staff account with a new random password (printed by `make run`)."""
    user = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if user is None:
        user = User(email=DEMO_EMAIL, role="staff", is_demo=True, password_hash="")
        db.session.add(user)
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 0) + 1
    user.active = True
    user.is_demo = True
    user.must_change_password = False
    user.temporary_password_issued_at = None
    db.session.commit()
    return DEMO_EMAIL, password


# --- changes made by an admin ----------------------------------------------------------------

def account_state(user: User) -> str:
    """What admins change on an account (role, active, password, second factor), as a short
    keyed digest a form can carry: it reveals nothing, and any change to those makes it differ."""
    fields = "\x1f".join([user.role, str(bool(user.active)), str(bool(user.must_change_password)),
                          user.password_hash or "", user.totp_secret or ""])
    key = current_app.config["SECRET_KEY"]
    key = key if isinstance(key, bytes) else str(key).encode()
    return hmac.new(key, b"account-state\x1f" + fields.encode(), hashlib.sha256).hexdigest()[:32]


def other_active_admins(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.active.is_(True), User.id != user.id)) or 0


def _lock_admins() -> None:
    """On PostgreSQL, take the active admins' rows in turn: a second admin-removing change waits
    for the first and then counts what it left (SQLite runs one writer at a time anyway)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(User.id).where(User.role == "admin", User.active.is_(True))
                           .order_by(User.id).with_for_update())


def change_account(user: User, seen: str, values: dict, removes_admin: bool = False) -> None:
    """Apply `values` to the account if it is still as the admin saw it (`seen`, its
    `account_state` then); otherwise raise AccountChanged, or LastAdmin when the change would
    leave no active admin. The caller records the audit row and commits."""
    if not hmac.compare_digest(account_state(user), seen or ""):
        raise AccountChanged
    conditions = [
        User.id == user.id, User.role == user.role, User.active.is_(bool(user.active)),
        User.must_change_password.is_(bool(user.must_change_password)),
        User.password_hash == user.password_hash,
        User.totp_secret.is_(None) if user.totp_secret is None
        else User.totp_secret == user.totp_secret,
    ]
    if removes_admin:
        _lock_admins()
        if other_active_admins(user) == 0:
            raise LastAdmin
        other = aliased(User)
        conditions.append(exists().where(other.role == "admin", other.active.is_(True),
                                         other.id != user.id))
    changed = db.session.execute(update(User).where(*conditions).values(**values),
                                 execution_options={"synchronize_session": False})
    if changed.rowcount != 1:
        db.session.rollback()
        db.session.refresh(user)
        if removes_admin and other_active_admins(user) == 0:
            raise LastAdmin
        raise AccountChanged
    db.session.expire(user)


def _next_session_version() -> dict:
    return {"session_version": func.coalesce(User.session_version, 0) + 1}


def change_role(user: User, seen: str, role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    change_account(user, seen, {"role": role},
                   removes_admin=user.role == "admin" and role != "admin" and user.active)


def disable_account(user: User, seen: str) -> None:
    """As `disable_user`, for a form that carried the account's state."""
    values = {"active": False, **_next_session_version()}
    if user.is_demo:
        values.update(is_demo=False, password_hash=hash_password(secrets.token_urlsafe(32)))
    change_account(user, seen, values, removes_admin=user.role == "admin" and user.active)


def enable_account(user: User, seen: str) -> None:
    change_account(user, seen, {"active": True})


def reset_password(user: User, seen: str) -> str:
    """A new temporary password (returned to be shown once), changed at the next log-in and
    working for TEMPORARY_PASSWORD_HOURS; every session of the account ends."""
    password = random_password()
    change_account(user, seen, {"password_hash": hash_password(password),
                                "must_change_password": True,
                                "temporary_password_issued_at": _now(),
                                **_next_session_version()})
    return password


def reset_second_factor(user: User, seen: str) -> None:
    """Forget the authenticator app and the recovery codes (a lost phone): the next log-in sets
    two-step verification up again. Every session of the account ends."""
    change_account(user, seen, {"totp_secret": None, "totp_pending_secret": None,
                                "totp_last_step": None, **_next_session_version()})
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
