"""Pictures drawn on the server as inline SVG (the dashboard's charts, the two-step QR code).

The one place where markup made in Python is marked safe for a page: a picture arrives as an
ElementTree element (built by a library, never from a string a person typed), is checked to hold
only drawing elements (no script, no link, no event handler, no inline style, which the CSP
would refuse anyway) and is written out by ElementTree, which escapes every text and attribute.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # nosec B405 (our own libraries' SVG, never a person's)

from markupsafe import Markup

DRAWING = frozenset({
    "svg", "g", "path", "rect", "line", "polyline", "polygon", "circle", "ellipse", "text",
    "tspan", "title", "desc", "defs", "clipPath",
})


class NotADrawing(ValueError):
    """An element or attribute that a picture does not need (and a page must not run)."""


def _check(element: ET.Element) -> None:
    for node in element.iter():
        if node.tag not in DRAWING:
            raise NotADrawing(f"<{node.tag}> is not a drawing element")
        for name in node.attrib:
            if name.lower().startswith("on") or name.lower() in ("style", "href") or (
                    name.endswith("}href")):
                raise NotADrawing(f"attribute {name} on <{node.tag}>")


def inline_svg(element: ET.Element) -> Markup:
    """The picture as markup for a template (`{{ picture }}`)."""
    _check(element)
    return Markup(ET.tostring(element, encoding="unicode"))  # noqa: S704  # nosec B704


def inline_svg_text(svg: str) -> Markup:
    """The same for a library that writes SVG as text (segno): read back, checked, written."""
    # Our QR library's output, never a person's text; ElementTree resolves no external entities.
    return inline_svg(ET.fromstring(svg))  # noqa: S314  # nosec B314
