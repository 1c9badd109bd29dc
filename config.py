"""Settings from the environment, with safe defaults for local use (SQLite in instance/).

SCREENER_CONFIG picks the class: "development" (default), "production" or "testing".
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"



def N_(text: str) -> str:
    """Marks a default string for translation (the template translates it when shown)."""
    return text


US_CRISIS_RESOURCES = [
    {"name": N_("988 Suicide & Crisis Lifeline"),
     "how": N_("Call or text 988 (press 1 for the Veterans Crisis Line)"),
     "href": "tel:988", "text_href": "sms:988"},
    {"name": N_("Emergency services"),
     "how": N_("Call 911 or go to the nearest emergency department if you are in immediate "
               "danger"),
     "href": "tel:911"},
    {"name": N_("Crisis Text Line"), "how": N_("Text HOME to 741741"),
     "href": "sms:741741?body=HOME"},  # the message already typed in
]


def _env_json(name: str, default):
    raw = os.environ.get(name)
    return json.loads(raw) if raw else default


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")  # local runs read or create instance/secret_key
    # Rotation: the previous key(s), comma-separated, still open existing sessions (Flask 3.1).
    SECRET_KEY_FALLBACKS = [key for key in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",")
                            if key.strip()]
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE / 'screener.db'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    # Redis down: count in each process's memory meanwhile, rather than answer 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Several clinics (or test runs) sharing one Redis keep their counters apart.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")
    # Trusted reverse proxies in front (nginx: 1). 0 = X-Forwarded-* are ignored.
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0"))
    RATELIMIT_RESUME = os.environ.get("RATELIMIT_RESUME", "10 per minute;50 per day")
    RATELIMIT_NEW_DRAFT = os.environ.get("RATELIMIT_NEW_DRAFT", "30 per hour")

    CLINIC_NAME = os.environ.get("CLINIC_NAME", "Example Ketamine Clinic")
    CLINIC_PHONE = os.environ.get("CLINIC_PHONE", "+1 555 010 0100")
    CLINIC_EMAIL = os.environ.get("CLINIC_EMAIL", "intake@clinic.example")
    # Opening hours, machine-readable (OpenStreetMap style, screener/alerts/hours.py): words the
    # patient pages and decides after-hours escalation and overdue contacts.
    CLINIC_HOURS = os.environ.get("CLINIC_HOURS", "Mo-Fr 09:00-17:00")
    CRISIS_RESOURCES = _env_json("CRISIS_RESOURCES", US_CRISIS_RESOURCES)
    RULE_SETTINGS = _env_json("RULE_SETTINGS", {})  # see screener.rules.Settings

    DRAFT_LIFETIME_DAYS = int(os.environ.get("DRAFT_LIFETIME_DAYS", "14"))
    # After sending, the answers can be seen (and printed) on the same device for this long.
    ANSWERS_VISIBLE_MINUTES = int(os.environ.get("ANSWERS_VISIBLE_MINUTES", "60"))
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * DRAFT_LIFETIME_DAYS
    # The session cookie is signed again only when it changes (signing it on every request
    # was a tenth of a question page's time); a patient's cookie is renewed when a save
    # extends the draft (screener/patient/routes.py), a staff session changes on every request.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = 3600
    MAX_CONTENT_LENGTH = 64 * 1024
    MAX_FORM_PARTS = 400
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    LANGUAGES = ("en", "es")  # the first is the default
    LANGUAGE_NAMES = {"en": "English", "es": "Español"}
    HSTS = False
    PRODUCTION = False


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production-0123456789"  # noqa: S105 (tests only)
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_ENABLED = False


class ProductionConfig(Config):
    PRODUCTION = True
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    HSTS = True


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def selected() -> type[Config]:
    return CONFIGS[os.environ.get("SCREENER_CONFIG", "development")]
