"""HTML to PDF with WeasyPrint: a Python library (from PyPI) that lays out paged media itself,
so no browser process runs at request time and the same HTML and CSS give the same pages.

The document is rendered from a string with its stylesheets passed as strings, and with a URL
fetcher that refuses everything: making a PDF never reads a file or opens a connection, whatever
a template might one day link to (WeasyPrint >= 70 also routes `stylesheets=` through it,
GHSA-jf6q-chmf-3h3v).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any


@cache
def _no_fetching() -> type:
    """A URL fetcher class that fetches nothing: any attempt stops the rendering (a bug to fix).
    WeasyPrint is imported on the first PDF, not when the app starts (it takes about 0.5 s)."""
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def __init__(self) -> None:
            super().__init__(fail_on_errors=True, allowed_protocols=())

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError("the PDF may not load anything from a URL")

    return NoFetching


def render_pdf(html: str, stylesheets: list[str]) -> bytes:
    from weasyprint import CSS, HTML

    fetcher = _no_fetching()()
    sheets = [CSS(string=text, url_fetcher=fetcher) for text in stylesheets]
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=sheets)


def read_stylesheet(static_folder: str, name: str) -> str:
    return (Path(static_folder) / "css" / name).read_text(encoding="utf-8")
