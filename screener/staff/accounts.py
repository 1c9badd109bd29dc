"""Staff accounts: argon2id password hashes and account creation."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select

from ..extensions import db
from ..models import User

hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4: above the ASVS floor
DEMO_EMAIL = "demo@clinic.example"


def hash_password(password: str) -> str:
    return hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return hasher.verify(stored_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def ensure_demo_account(password: str) -> tuple[str, str]:
    """The demo staff account with a new random password (printed by `make run`)."""
    user = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if user is None:
        user = User(email=DEMO_EMAIL, role="staff", is_demo=True, password_hash="")
        db.session.add(user)
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 0) + 1
    user.active = True
    db.session.commit()
    return DEMO_EMAIL, password
