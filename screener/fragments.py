"""Parts of the layout that are the same on every request in a language, rendered once.

The header's links, the footer and the stylesheet links depend only on the language and the
clinic's configuration, yet drawing them was a large share of a question page's time. Each
fragment template under templates/fragments/ is rendered once per (template, language, script
root) and reused. A fragment must not read the request, the session or the user: anything that
does belongs in the page template itself.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import get_locale
from markupsafe import Markup

_rendered: dict[str, dict[tuple, Markup]] = {}  # per fragment: one cannot crowd out another
MAX_RENDERED = 4096  # per fragment, a guard: keys are page keys, filters, scores, never answers


def fragment(name: str, **values: str | int | bool | None) -> Markup:
    """templates/fragments/<name>.html (or the template `name` when it ends in .html, such as a
    staff fragment kept with the staff templates) rendered once per language and `values`
    (simple values only, such as a page key and a step number: they are part of the cache
    key). Each fragment keeps at most MAX_RENDERED versions; past that it is drawn each time."""
    kept = _rendered.get(name)
    if kept is None:
        kept = _rendered.setdefault(name, {})
    key = (str(get_locale()), request._get_current_object().script_root, *sorted(values.items()))
    html = kept.get(key)
    if html is None:
        # Rendered with the environment's globals only (config, clinic, url_for, _) and the
        # given values: a fragment cannot see the request, the session or the user.
        path = name if name.endswith(".html") else f"fragments/{name}.html"
        template = current_app.jinja_env.get_template(path)
        html = template.make_module(values).__html__()
        if len(kept) < MAX_RENDERED:
            kept[key] = html
    return html


def install(app: Flask) -> None:
    app.jinja_env.globals.update(fragment=fragment, current_locale=lambda: str(get_locale()))
