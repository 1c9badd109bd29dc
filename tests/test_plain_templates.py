"""Templates are read the ordinary way: each application draws its own configuration (two
clinics in one process never see each other's name), and an edited template shows at once when
templates auto-reload (as under `flask run --debug`)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from screener import create_app
from screener.extensions import db

from conftest import make_app
from flow_helpers import start

ROOT = Path(__file__).resolve().parents[1]


def _clinic_names(html: str) -> set[str]:
    header = re.search(r'class="clinic-name"[^>]*>([^<]+)<', html).group(1)
    footer = re.search(r'<footer class="site-footer">(.*?)</footer>', html, re.S).group(1)
    return {header, *re.findall(r"<p>([^<·]+?) ·", footer)}


def test_two_clinics_in_one_process_each_show_their_own_name(tmp_path):
    (tmp_path / "n").mkdir()
    (tmp_path / "s").mkdir()
    north_app = next(make_app("sqlite", tmp_path / "n", CLINIC_NAME="North Ketamine Clinic"))
    south_app = next(make_app("sqlite", tmp_path / "s", CLINIC_NAME="South Esketamine Centre"))
    north, south = north_app.test_client(), south_app.test_client()
    for _ in range(2):  # alternately, so that nothing drawn for one is shown by the other
        for client, name in ((north, "North Ketamine Clinic"), (south, "South Esketamine Centre")):
            for url in ("/", "/help", "/resume"):
                html = client.get(url).text
                assert _clinic_names(html) == {name}, (url, name)
                assert f"- {name}</title>" in html
    step = start(north)
    assert _clinic_names(north.get(step).text) == {"North Ketamine Clinic"}


def test_an_edited_question_template_shows_on_the_next_page_when_templates_reload(tmp_path):
    folder = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", folder)
    app = create_app({"TESTING": True, "TEMPLATES_AUTO_RELOAD": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'reload.db'}"})
    app.template_folder = str(folder)  # before the first page: the loader is made then
    with app.app_context():
        db.create_all()
    client = app.test_client()
    step = start(client)
    for _ in range(2):  # drawn twice before the edit, as a running server would have
        assert "edited-" not in client.get(step).text
    macro = folder / "macros" / "question.html"
    macro.write_text(macro.read_text().replace(
        '<div class="question', '<div data-edit="edited-question" class="question', 1))
    # The layout's help link, in whichever template draws it.
    layout = next(path for path in folder.rglob("*.html") if 'class="help-now"' in path.read_text())
    layout.write_text(layout.read_text().replace('class="help-now"',
                                                 'data-edit="edited-layout" class="help-now"'))
    page = client.get(step).text
    assert page.count('data-edit="edited-question"') == page.count('class="question')
    assert 'data-edit="edited-layout"' in page
