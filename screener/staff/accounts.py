"""Staff accounts: argon2id password hashes, the password policy, and account changes.

Every change that should end existing sessions bumps `User.session_version`.
"""

from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

from ..extensions import db
from ..models import User

hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4: above the ASVS floor
DEMO_EMAIL = "demo@clinic.example"
ROLES = ("staff", "admin")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
# Hashed once, verified against for unknown accounts so that both answers take as long.
_DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))
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


def hash_password(password: str) -> str:
    return hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_unknown_account(password: str) -> None:
    """The same work as a real check, for an email that has no account (equal timing)."""
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
    return secrets.token_urlsafe(15)  # 120 random bits, 20 characters


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
        raise AccountError(f"an account for {email} already exists")
    user = User(email=email, role=role, password_hash=hash_password(password),
                must_change_password=must_change, active=True, session_version=1)
    db.session.add(user)
    db.session.commit()
    return user


def set_password(user: User, password: str, must_change: bool = False) -> None:
    """A new password; every existing session of the user ends."""
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
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
    db.session.commit()
    return DEMO_EMAIL, password
