"""Which language a page is in: Flask-Babel's locale selector."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session


def select_locale() -> str | None:
    """Staff pages are in English (the first language); patients get the language they chose,
    else their browser's, else the first configured. None outside a request: the default."""
    if not has_request_context():
        return None
    languages = current_app.config["LANGUAGES"]
    if (request.blueprint or "").startswith("staff"):
        return languages[0]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]
