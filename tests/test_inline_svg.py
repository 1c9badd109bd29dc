"""Inline SVG pictures (screener/svg.py): drawing elements pass, escaped; anything a page could
run or load is refused."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from screener.svg import NotADrawing, inline_svg, inline_svg_text


def test_a_drawing_passes_with_its_text_escaped():
    svg = ET.Element("svg", {"viewBox": "0 0 10 10", "role": "img"})
    ET.SubElement(svg, "title").text = "<script>alert(1)</script> & co"
    ET.SubElement(svg, "rect", {"x": "0", "y": "0", "width": "5", "height": "5", "fill": "#000"})
    html = str(inline_svg(svg))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert html.startswith("<svg") and "<rect" in html


@pytest.mark.parametrize("markup", [
    '<svg><script>alert(1)</script></svg>',
    '<svg><rect onload="alert(1)"/></svg>',
    '<svg><a href="https://example.org"><rect/></a></svg>',
    '<svg><image href="https://example.org/x.png"/></svg>',
    '<svg><rect style="fill:red"/></svg>',
    '<svg xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="#x"/></svg>',
    '<svg><foreignObject><div>x</div></foreignObject></svg>',
])
def test_anything_a_page_could_run_or_load_is_refused(markup):
    with pytest.raises(NotADrawing):
        inline_svg_text(markup)


def test_the_two_step_qr_code_is_an_inline_drawing():
    from screener.staff.auth import qr_svg

    html = str(qr_svg("otpauth://totp/Clinic:a%40b.example?secret=ABCDEFGH", "Scan <me>"))
    assert html.startswith("<svg") and "qr-code" in html
    assert "Scan &lt;me&gt;" in html
