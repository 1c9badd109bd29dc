"""Parts of the layout that are the same on every request in a language, rendered once.

The header's links, the footer and the stylesheet links depend only on the language and the
clinic's configuration, yet drawing them was a large share of a question page's time. Each
fragment template under templates/fragments/ is rendered once per (template, language, script
root) and reused. A fragment must not read the request, the session or the user: anything that
does belongs in the page template itself.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from markupsafe import Markup

from .i18n import locale_code

_rendered: dict[tuple[str, str, str], Markup] = {}


def fragment(name: str) -> Markup:
    key = (name, locale_code(), request.script_root)
    html = _rendered.get(key)
    if html is None:
        # Rendered with the environment's globals only (config, clinic, url_for, _): a
        # fragment cannot see the request, the session or the user.
        template = current_app.jinja_env.get_template(f"fragments/{name}.html")
        html = _rendered[key] = template.make_module().__html__()
    return html


def install(app: Flask) -> None:
    app.jinja_env.globals.update(fragment=fragment, current_locale=locale_code)
