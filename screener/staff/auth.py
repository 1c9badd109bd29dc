"""Staff login and the checks made on every staff request.

The session cookie (signed, not encrypted) holds only opaque values: "user id:session version"
(Flask-Login's id), the login and last-seen times, and the CSRF seed. The server compares the
session version with the database on every request, so a copied cookie stops working at
log-out, password change or disable. Time comes from `app.config["STAFF_CLOCK"]`, so tests move
it instead of sleeping.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

import pyotp
import segno
from flask import current_app, session
from flask_login import login_user, logout_user
from markupsafe import Markup
from sqlalchemy import delete, func, or_, select, update

from ..extensions import db, login_manager
from ..models import RecoveryCode, User
from ..submissions import CODE_ALPHABET, random_code
from ..svg import inline_svg_text
from . import audit
from .accounts import check_unknown_account, find_user, hash_password, hasher, password_matches

PENDING = "staff_pending"  # password accepted, second factor still to come
SECOND_FACTOR_MINUTES = 5
_CODE = re.compile(r"[0-9]{6}")  # ASCII digits: \d would also take other scripts' digits


def now() -> datetime:
    clock: Callable[[], datetime] = current_app.config["STAFF_CLOCK"]
    return clock()


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The user of a session whose version is still current, else nobody."""
    user_id, _, version = str(token).partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def authenticate(email: str, password: str) -> tuple[User | None, bool]:
    """(the account with this email or None, whether the password lets it in). Unknown emails
    cost the same hash as known ones; a disabled account answers like a wrong password."""
    user = find_user(email)
    if user is None:
        check_unknown_account(password)
        return None, False
    if not password_matches(user.password_hash, password) or not user.active:
        return user, False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user, True


def needs_second_factor(user: User) -> bool:
    """Every account needs a second factor (enrolled at its first log-in), except the demo
    account of `make run`, which production refuses to start with."""
    return bool(user.totp_secret) or not user.is_demo


def begin_second_factor(user: User, next_url: str) -> None:
    session.clear()
    session[PENDING] = {"id": user.get_id(), "at": _epoch(now()), "next": next_url}


def pending_user() -> User | None:
    """The user whose password was accepted a moment ago, waiting for a code."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        return None
    if _epoch(now()) - pending["at"] > SECOND_FACTOR_MINUTES * 60:
        session.pop(PENDING, None)
        return None
    return load_user(pending.get("id", ""))


def pending_next() -> str:
    pending = session.get(PENDING)
    return pending.get("next", "") if isinstance(pending, dict) else ""


def complete_login(user: User) -> None:
    """A fresh session for this user (the pre-login cookie's contents are dropped)."""
    moment = now()
    session.clear()
    login_user(user, remember=False)
    session.permanent = False  # a browser-session cookie; the server enforces the lifetimes
    session["login_at"] = session["seen"] = _epoch(moment)
    user.last_login_at = moment
    audit.record("login", user.id)
    db.session.commit()


def keep_logged_in(user: User) -> None:
    """After a change that ended the user's sessions, keep this one (same lifetimes)."""
    session["_user_id"] = user.get_id()


def log_out(user: User) -> None:
    """End this session and every other copy of it (the session version moves on)."""
    user.session_version = (user.session_version or 0) + 1
    audit.record("logout", user.id)
    db.session.commit()
    logout_user()
    session.clear()


def time_out(user: User) -> None:
    """End an expired session. Every copy of this cookie carries the same expired times, so
    the user's sessions on other devices can go on."""
    audit.record("session_timeout", user.id)
    db.session.commit()
    logout_user()
    session.clear()


SEEN_PRECISION = 30  # seconds: the idle timer may end up to this much early


def session_expired() -> bool:
    """Idle for longer than STAFF_IDLE_MINUTES, or older than STAFF_SESSION_HOURS. Otherwise
    the idle timer starts again (to the nearest 30 seconds: renewing the cookie on every
    request cost a tenth of a queue page)."""
    login_at, seen = session.get("login_at"), session.get("seen")
    if not isinstance(login_at, int) or not isinstance(seen, int):
        return True
    moment = _epoch(now())
    config = current_app.config
    if moment - seen > config["STAFF_IDLE_MINUTES"] * 60:
        return True
    if moment - login_at > config["STAFF_SESSION_HOURS"] * 3600:
        return True
    if moment - seen >= SEEN_PRECISION:  # the cookie is signed again at most every 30 s
        session["seen"] = moment
    return False


def safe_next(target: str | None) -> str | None:
    """Only a path inside the staff area (no other host, scheme or odd slashes)."""
    if not target or len(target) > 500 or any(c in target for c in "\\\r\n\t"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff/"):
        return None
    if target.startswith("//"):
        return None
    return target


# --- TOTP ------------------------------------------------------------------------------------

def new_totp_secret() -> str:
    return pyotp.random_base32()  # 160 random bits from `secrets`


def totp_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> Markup:
    """The setup address as a QR code, drawn here as inline SVG markup: no image request, no
    outside service (segno escapes the title)."""
    code = segno.make(uri, error="m")
    return inline_svg_text(code.svg_inline(scale=4, dark="#000", light="#fff", title=title,
                                           svgclass="qr-code"))


def matching_step(secret: str, code: str, moment: datetime) -> int | None:
    """The time step (30 s) whose code this is, allowing one step either side, or None."""
    code = re.sub(r"\s", "", code or "")
    if not secret or not _CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(moment)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def use_code(user: User, secret: str, code: str) -> bool:
    """True once per code: the step is recorded with a conditional UPDATE, so a replayed code
    (even two requests at the same moment) is refused."""
    step = matching_step(secret, code, now())
    if step is None:
        return False
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id,
               or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
    )
    return claimed.rowcount == 1


def confirm_enrolment(user: User, code: str) -> bool:
    """Turn two-step verification on once the person proves their app has the secret."""
    secret = user.totp_pending_secret or ""
    if not use_code(user, secret, code):
        return False
    user.totp_secret = secret
    user.totp_pending_secret = None
    user.session_version = (user.session_version or 0) + 1  # end sessions from before
    audit.record("totp_enrolled", user.id)
    return True


def start_enrolment(user: User) -> str:
    if not user.totp_pending_secret:
        user.totp_pending_secret = new_totp_secret()
        db.session.commit()
    return user.totp_pending_secret


# --- recovery codes --------------------------------------------------------------------------

RECOVERY_CODES = 10
RECOVERY_CODE_LENGTH = 16  # Crockford base32: 80 random bits, so a plain SHA-256 is enough


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalise_recovery_code(text: str) -> str | None:
    """A recovery code as stored, from what someone typed (any case, dashes, O for 0)."""
    code = "".join(c for c in (text or "").upper() if c.isalnum())
    code = code.replace("O", "0").replace("I", "1").replace("L", "1")
    if len(code) != RECOVERY_CODE_LENGTH or not set(code) <= set(CODE_ALPHABET):
        return None
    return code


def new_recovery_codes(user: User) -> list[str]:
    """Ten new one-time codes in place of any earlier ones, to be shown once (grouped in fours
    for reading); only their hashes are kept."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [random_code(RECOVERY_CODE_LENGTH) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(code),
                                    created_at=now()) for code in codes)
    audit.record("recovery_codes_created", user.id, detail=f"{RECOVERY_CODES} codes")
    return ["-".join(code[i:i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4)) for code in codes]


def use_recovery_code(user: User, text: str) -> bool:
    """True once per code: spent with a conditional UPDATE, so two requests at the same moment
    cannot both use it. Audited with the number of codes left."""
    code = normalise_recovery_code(text)
    if code is None:
        return False
    spent = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _recovery_hash(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=now())
    )
    if spent.rowcount != 1:
        return False
    audit.record("recovery_code_used", user.id,
                 detail=f"{recovery_codes_left(user)} recovery codes left")
    return True


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def login_failed(user: User | None, detail: str) -> None:
    audit.record("login_failed", user.id if user else None, detail=detail, outcome="refused")
    db.session.commit()
