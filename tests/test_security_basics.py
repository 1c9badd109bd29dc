"""Supply chain and code checks that need no network: version floors, bandit, templates."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]

# security.md A.6: the first versions without the known advisories.
FLOORS = {"flask": "3.1.3", "werkzeug": "3.1.6", "jinja2": "3.1.6", "gunicorn": "23.0.0"}


@pytest.mark.parametrize(("package", "floor"), sorted(FLOORS.items()))
def test_installed_versions_are_above_known_vulnerable_ones(package, floor):
    assert Version(version(package)) >= Version(floor)


@pytest.mark.parametrize(("package", "floor"), sorted(FLOORS.items()))
def test_pyproject_declares_the_floors(package, floor):
    declared = (ROOT / "pyproject.toml").read_text().lower()
    assert f'"{package}>={floor}' in declared


def test_bandit_finds_nothing_of_medium_or_high_severity():
    bandit = shutil.which("bandit", path=str(Path(sys.executable).parent))
    if bandit is None:
        pytest.skip("bandit is not installed (pip install -e '.[test]')")
    result = subprocess.run([bandit, "-r", str(ROOT / "screener"), "-ll", "-q"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_templates_are_autoescaped_html_and_never_mark_data_safe():
    templates = list((ROOT / "templates").rglob("*"))
    assert all(t.suffix == ".html" for t in templates if t.is_file())
    for template in templates:
        if template.is_file():
            text = template.read_text()
            # The only |safe allowed is on a fixed attribute string built in the template.
            uses = re.findall(r"\|\s*safe", text)
            fixed = re.findall(r"'[^']*'\|safe", text)
            assert len(uses) == len(fixed), template


# The one module that marks markup made in Python as safe: inline SVG pictures, checked to hold
# drawing elements only and written out by ElementTree (tests/test_inline_svg.py).
MARKUP_ALLOWED = {ROOT / "screener" / "svg.py"}


def test_no_render_template_string_or_markup_on_data():
    for path in (ROOT / "screener").rglob("*.py"):
        text = path.read_text()
        assert "render_template_string" not in text, path
        if path not in MARKUP_ALLOWED:
            assert "Markup(" not in text, path
    assert "Markup(" in (ROOT / "screener" / "svg.py").read_text()  # the allowance is still used
