"""The ketamine therapy pre-screener: a Flask application built around a pure rules module.

`create_app` is imported lazily so that `import screener.rules` (the rulebook) never pulls
Flask or the database in.
"""

from typing import Any


def create_app(config: Any = None) -> Any:
    from .app import build_app

    return build_app(config)
