"""Fast gettext for templates. A question page calls gettext about a hundred times; Flask-Babel
looks up the request's locale and catalogue on every call, which cost more than the rest of the
page. Catalogues do not change while the process runs, so each (locale, message) pair is looked up
once and kept."""

from __future__ import annotations

from functools import cache

from babel import Locale
from babel.support import Translations
from flask import Flask, current_app, g, request, session
from flask_babel import get_translations
from wtforms.i18n import messages_path

_translated: dict[tuple[str, str], str] = {}
MAX_CACHED = 20_000  # a guard: only marked strings should ever be looked up


def request_language() -> str:
    """This request's language code: staff pages are in English; patients get their chosen
    language, else the browser's, else the first configured."""
    languages = current_app._get_current_object().config["LANGUAGES"]
    this = request._get_current_object()
    if (this.blueprint or "").startswith("staff"):
        return languages[0]
    chosen = session._get_current_object().get("lang")
    if chosen in languages:
        return chosen
    return this.accept_languages.best_match(languages) or languages[0]


def select_locale() -> Locale:
    """Flask-Babel's locale selector (dates and the catalogues it loads): the request's
    language as locale_code() worked it out, so the choice is made once a request."""
    return _parsed(locale_code())


@cache
def _parsed(code: str) -> Locale:
    """Babel's Locale for a configured language code, parsed once (Flask-Babel parsed it on
    every request)."""
    return Locale.parse(code)


def locale_code() -> str:
    """The request's language code, worked out once per request. A page asks for it a few dozen
    times (every translation and fragment), so `g` is reached through the proxy's own accessor
    (an attribute looked up through the proxy costs four times as much), and the first call
    asks request_language() itself rather than going through Flask-Babel's get_locale()."""
    request_g = g._get_current_object()
    code = request_g.get("_locale_code")
    if code is None:
        code = request_g._locale_code = request_language()
    return code


def gettext(string: str, /, **variables: object) -> str:
    """Like Flask-Babel's gettext (variables are %-formatted into the translation; any name,
    even "message" or "string", can be a variable)."""
    text = _translate(string)
    return text % variables if variables else text


def _translate(message: str) -> str:
    key = (locale_code(), message)
    try:
        return _translated[key]
    except KeyError:
        translations = get_translations()
        text = translations.ugettext(message)
        # A language without a compiled catalogue yet (e.g. before `make catalogues`) is not
        # remembered, so it is translated once its catalogue appears.
        loaded = key[0] == current_app.config["BABEL_DEFAULT_LOCALE"] or getattr(
            translations, "_catalog", None)
        if loaded and len(_translated) < MAX_CACHED:
            _translated[key] = text
        return text


def ngettext(singular: str, plural: str, number: int) -> str:
    return get_translations().ungettext(singular, plural, number)


_wtforms_catalogues: dict[str, Translations] = {}


class WTFormsTranslations:
    """WTForms' own messages ("Not a valid choice.") in the request's language. Flask-WTF
    reads WTForms' catalogue from disk once per request; this keeps one per language."""

    @staticmethod
    def _catalogue() -> Translations:
        code = locale_code()
        catalogue = _wtforms_catalogues.get(code)
        if catalogue is None:
            catalogue = _wtforms_catalogues[code] = Translations.load(
                messages_path(), [code], domain="wtforms")
        return catalogue

    def gettext(self, string: str) -> str:
        return self._catalogue().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalogue().ungettext(singular, plural, n)


WTFORMS_TRANSLATIONS = WTFormsTranslations()


def install(app: Flask) -> None:
    """Replace the template gettext that Flask-Babel installed (same newstyle semantics)."""
    app.jinja_env.install_gettext_callables(_translate, ngettext, newstyle=True)
