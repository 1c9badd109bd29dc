"""Spanish: a complete patient catalogue, safe wording, and the whole flow in Spanish.

The catalogue is translations/es/LC_MESSAGES/messages.po. Staff pages are always English, so
message ids that occur only in staff files (screener/staff/, templates/staff/) may stay empty;
every other message id must have a Spanish translation. Stored answers are language-neutral
option values, so a Spanish and an English walk through the same answers store the same thing.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

import config
from screener.extensions import db
from screener.models import Draft, Submission
from screener.questionnaire.definitions import GAD7, GAD7_ITEMS, PHQ9, PHQ9_ITEMS, QUESTIONS
from screener.rules import RULES

from flow_helpers import BASE, changed, csrf_token, post_page, walk, with_substances_used
from wording import ALLOWED_PHRASES_ES, forbidden_phrases_es

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "translations"
SPANISH_PO = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"
# Staff-only places: the staff area, the consult summary and exports.
STAFF_ONLY = ("screener/staff/", "templates/staff/", "templates/print/", "screener/exports/")
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")


def compile_catalogues() -> None:
    """Compile every .po to .mo when the .mo is missing or older (pytest may run without make)."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source)
        handle, temporary = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalogue)
        os.replace(temporary, mo)  # atomic: a parallel run never reads half a file


# At collection, before any test of any module asks for a Spanish page (Flask-Babel keeps a
# catalogue once loaded).
compile_catalogues()


@cache
def spanish() -> Catalog:
    with SPANISH_PO.open("rb") as source:
        return read_po(source)


def is_patient_facing(message) -> bool:
    """False only when every place the message id occurs is a staff file."""
    files = [path for path, _line in message.locations]
    return not files or not all(path.startswith(STAFF_ONLY) for path in files)


def patient_messages() -> list:
    return [m for m in spanish() if m.id and is_patient_facing(m)]


def es(msgid: str) -> str:
    message = spanish().get(msgid)
    assert message is not None and message.string, f"no Spanish for {msgid!r}"
    return message.string


# --- the catalogue ---------------------------------------------------------------------------


def test_the_spanish_catalogue_exists_and_has_no_fuzzy_entries():
    catalogue = spanish()
    assert str(catalogue.locale) == "es"
    assert not catalogue.fuzzy, "the header is fuzzy: pybabel compile would skip the catalogue"
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert fuzzy == [], "fuzzy entries are not shown to anyone: check and unflag them"


def test_every_patient_facing_message_has_a_spanish_translation():
    missing = [m.id for m in patient_messages() if not m.string
               or (isinstance(m.string, tuple) and not all(m.string))]
    assert missing == [], f"{len(missing)} patient-facing message ids have no Spanish: {missing}"


def test_the_catalogue_covers_every_patient_string_in_the_source():
    """A new patient string without a Spanish translation fails here even before `make
    messages` puts it into the .po."""
    method_map = [("screener/**.py", "python"), ("config.py", "python"),
                  ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
                "N_": None}
    untranslated = set()
    for path, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=keywords):
        if path.replace(os.sep, "/").startswith(STAFF_ONLY):
            continue
        msgid = message[0] if isinstance(message, tuple) else message
        entry = spanish().get(msgid)
        if entry is None or not entry.string:
            untranslated.add(msgid)
    assert sorted(untranslated) == [], (
        "patient strings without Spanish: run `make messages`, translate them in "
        "translations/es/LC_MESSAGES/messages.po, then `make catalogues`")


def test_only_staff_strings_are_left_empty():
    empty = [m for m in spanish() if m.id and not m.string]
    assert all(not is_patient_facing(m) for m in empty)


def test_placeholders_are_the_same_in_english_and_spanish():
    wrong = []
    for message in patient_messages():
        english, spanish_text = message.id, message.string
        if Counter(PLACEHOLDER.findall(english)) != Counter(PLACEHOLDER.findall(spanish_text)):
            wrong.append((english, spanish_text))
            continue
        names = re.findall(r"%\((\w+)\)", english)
        if names:  # the Spanish must format with the same arguments
            spanish_text % {name: 1 for name in names}
    assert wrong == []
    problems = [(m.id, errors) for m, errors in spanish().check()]
    assert problems == []


def test_the_spanish_catalogue_uses_none_of_the_forbidden_words():
    found = {m.string: forbidden_phrases_es(m.string) for m in patient_messages()}
    assert {text: words for text, words in found.items() if words} == {}


def test_the_allowed_sentences_have_their_fixed_spanish():
    """rules.md allows "This is not a diagnosis" and "a diagnosis from a clinician"; in Spanish
    they are always "Esto no es un diagnóstico" and "un diagnóstico de un profesional clínico"."""
    checked = 0
    for message in patient_messages():
        for english, fixed in ALLOWED_PHRASES_ES.items():
            if english in message.id.lower():
                checked += 1
                assert fixed in message.string.lower(), (message.id, message.string)
    assert checked >= 7  # the sentence occurs in 7 patient strings today


@pytest.mark.parametrize("text", [
    "Usted es elegible para el tratamiento.",
    "Según sus respuestas, usted califica.",
    "Su solicitud fue aprobada.",
    "Usted es apto para la ketamina.",
    "La ketamina está contraindicada en su caso.",
    "Usted es un buen candidato.",
    "Su solicitud fue rechazada.",
    "Usted tiene depresión.",
    "Tiene trastorno bipolar.",
    "Usted padece ansiedad.",
    "Sus respuestas indican un diagnóstico de depresión.",
    "Le vamos a diagnosticar en la consulta.",
    "No es adecuado para usted.",
    "You are eligible.",
])
def test_the_spanish_check_catches_forbidden_wording(text):
    assert forbidden_phrases_es(text) != []


@pytest.mark.parametrize("text", [
    "Esto no es un diagnóstico.",
    "Esto no es un diagnóstico ni un consejo médico.",
    "(Algunas personas tienen un diagnóstico de un profesional clínico; muchas no).",
    "¿Algún profesional clínico le ha dicho que tiene trastorno bipolar?",
    "Si usted tiene glaucoma, dígaselo al profesional de la salud.",
    "Nos dijo que tiene alergia a la ketamina.",
    "Se adaptó bien al cambio.",
    "Elija una opción.",
])
def test_the_spanish_check_lets_plain_sentences_through(text):
    assert forbidden_phrases_es(text) == []


# The official "PHQ-9 Spanish for USA" and "GAD-7 Spanish for USA" texts (Pfizer, free to
# reproduce): they are used as published, never retranslated.
PHQ9_OFFICIAL = (
    "Poco interés o placer en hacer cosas",
    "Se ha sentido decaído(a), deprimido(a) o sin esperanzas",
    "Ha tenido dificultad para quedarse o permanecer dormido(a), o ha dormido demasiado",
    "Se ha sentido cansado(a) o con poca energía",
    "Sin apetito o ha comido en exceso",
    "Se ha sentido mal con usted mismo(a) – o que es un fracaso o que ha quedado mal con usted "
    "mismo(a) o con su familia",
    "Ha tenido dificultad para concentrarse en ciertas actividades, tales como leer el periódico "
    "o ver la televisión",
    "¿Se ha movido o hablado tan lento que otras personas podrían haberlo notado? o lo contrario – "
    "muy inquieto(a) o agitado(a) que ha estado moviéndose mucho más de lo normal",
    "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera",
)
GAD7_OFFICIAL = (
    "Se ha sentido nervioso(a), ansioso(a) o con los nervios de punta",
    "No ha sido capaz de parar o controlar su preocupación",
    "Se ha preocupado demasiado por motivos diferentes",
    "Ha tenido dificultad para relajarse",
    "Se ha sentido tan inquieto(a) que no ha podido quedarse quieto(a)",
    "Se ha molestado o irritado fácilmente",
    "Ha tenido miedo de que algo terrible fuera a pasar",
)
OFFICIAL_STEM = ("Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a "
                 "los siguientes problemas?")
OFFICIAL_FREQUENCY = ("Ningún día", "Varios días", "Más de la mitad de los días",
                      "Casi todos los días")


def test_phq9_and_gad7_use_the_official_spanish_for_usa():
    assert [es(item) for item in PHQ9_ITEMS] == list(PHQ9_OFFICIAL)
    assert [es(item) for item in GAD7_ITEMS] == list(GAD7_OFFICIAL)
    assert es(PHQ9.intro) == OFFICIAL_STEM
    assert es(GAD7.intro) == OFFICIAL_STEM
    assert [es(o.label) for o in QUESTIONS["phq9_1"].options] == list(OFFICIAL_FREQUENCY)
    assert [es(o.label) for o in QUESTIONS["gad7_1"].options] == list(OFFICIAL_FREQUENCY)
    assert es(QUESTIONS["phq9_difficulty"].label).startswith(
        "Si marcó cualquiera de los problemas, ¿qué tanta dificultad")
    assert [es(o.label) for o in QUESTIONS["phq9_difficulty"].options] == [
        "No ha sido difícil", "Un poco difícil", "Muy difícil", "Extremadamente difícil"]


def test_crisis_resources_say_how_to_get_spanish_at_988():
    lifeline = next(r for r in config.US_CRISIS_RESOURCES if r["href"] == "tel:988")
    assert "marque 2 para español" in es(lifeline["how"])
    assert "911" in es(next(r["how"] for r in config.US_CRISIS_RESOURCES
                           if r["href"] == "tel:911"))
    for rule in RULES:  # every rule that sends people to 988 says how to get Spanish
        if "988" in rule.patient_text:
            assert "marque 2 para español" in es(rule.patient_text), rule.id


def test_every_rule_has_spanish_patient_wording():
    assert all(es(rule.patient_text) for rule in RULES)


# --- the flow in Spanish, through HTTP -------------------------------------------------------


def choose_spanish(client, path: str = "/") -> None:
    """The header's language switch, as a person without JavaScript uses it."""
    page = client.get(path)
    assert page.status_code == 200
    response = client.post("/language", data={"csrf_token": csrf_token(page.text),
                                               "language": "es", "next": path})
    assert response.status_code == 303
    assert response.headers["Location"] == path


def send(client):
    check = client.get("/check")
    assert check.status_code == 200
    return client.post("/submit", data={"csrf_token": csrf_token(check.text)})


def latest_submission(app) -> Submission:
    with app.app_context():
        return db.session.scalars(select(Submission).order_by(Submission.id.desc())).first()


def main_of(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def test_the_switch_turns_the_start_page_into_spanish(client):
    english = client.get("/")
    assert '<html lang="en">' in english.text
    choose_spanish(client)
    page = client.get("/")
    assert '<html lang="es">' in page.text
    assert "Tratamiento con ketamina y esketamina: cuestionario previo" in page.text
    assert "Esto no es un diagnóstico" in page.text
    assert "¿Necesita ayuda ahora?" in page.text
    assert 'lang="en"' in page.text and ">English<" in page.text  # the way back to English
    assert "Ketamine and esketamine treatment" not in page.text


def test_two_people_in_two_languages_each_get_their_own_header_and_footer(app, client):
    """The layout's fixed parts are rendered once per language and kept: alternate requests
    in English and Spanish must never mix them up."""
    other = app.test_client()
    choose_spanish(client)
    for _ in range(2):
        spanish, english = client.get("/help").text, other.get("/help").text
        assert "¿Necesita ayuda ahora?" in spanish and ">English<" in spanish
        assert "Esto no es un diagnóstico" in spanish and "This is not a diagnosis" not in spanish
        assert "Need help now?" in english and ">Español<" in english
        assert "This is not a diagnosis" in english and "Esto no es un diagnóstico" not in english


def test_a_spanish_walk_through_stores_language_neutral_answers(app, client):
    choose_spanish(client)
    url = walk(client, BASE, stop_at="phq9/1")
    phq9 = client.get(url)
    assert '<html lang="es">' in phq9.text
    assert OFFICIAL_STEM in phq9.text
    assert PHQ9_OFFICIAL[0] in phq9.text and "Ningún día" in phq9.text
    assert "Por qué preguntamos:" in phq9.text and re.search(r"Paso \d+ de \d+", phq9.text)

    # A validation error, in Spanish: every item answered but the difficulty question.
    fields = [(f"phq9_{i}", str(BASE[f"phq9_{i}"])) for i in range(1, 10)]
    invalid = post_page(client, url, fields)
    assert invalid.status_code == 200
    assert "Hay un problema" in invalid.text
    assert "Elija qué tan difíciles le han hecho las cosas estos problemas" in invalid.text
    assert "<title>Error:" in invalid.text

    assert walk(client, BASE) == "/check"
    check = client.get("/check")
    assert "Revise sus respuestas antes de enviarlas" in check.text
    assert "Varios días" in check.text  # an answer shown with its Spanish option label
    assert send(client).status_code == 303

    stored = latest_submission(app)
    assert stored.answers == with_substances_used(BASE)  # option values, never Spanish words
    assert stored.language == "es"
    with app.app_context():
        draft = db.session.scalars(select(Draft).order_by(Draft.created_at.desc())).first()
        assert draft.language == "es"


def test_spanish_and_english_store_exactly_the_same_answers_and_flags(app):
    answers = changed(ride_home="no", phq9_9=1, si_now="no")
    english, spanish_client = app.test_client(), app.test_client()
    spanish_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-US,es;q=0.9,en;q=0.5"

    assert walk(english, answers) == "/check"
    send(english)
    in_english = latest_submission(app)
    assert walk(spanish_client, answers) == "/check"
    send(spanish_client)
    in_spanish = latest_submission(app)

    assert in_english.id != in_spanish.id
    assert (in_english.language, in_spanish.language) == ("en", "es")
    assert in_spanish.answers == in_english.answers == with_substances_used(answers)
    assert in_spanish.scores == in_english.scores
    assert [(f["rule_id"], f["patient_text"]) for f in in_spanish.flags] == [
        (f["rule_id"], f["patient_text"]) for f in in_english.flags]
    # Staff read the stored (English) rule wording whatever language the person used.
    assert all(f["patient_text"] in {r.patient_text for r in RULES} for f in in_spanish.flags)


def test_the_spanish_confirmation_lists_things_to_talk_about_in_spanish(client):
    choose_spanish(client)
    walk(client, changed(ride_home="no", phq9_9=1, si_now="no"))
    send(client)
    page = client.get("/confirmation")
    main = main_of(page.text)
    assert "Sus respuestas se enviaron" in main
    assert "Temas para hablar con un profesional de la salud" in main
    assert "Las visitas de tratamiento requieren que alguien le lleve a casa" in main
    assert "Una de sus respuestas fue sobre pensamientos de muerte" in main
    assert "marque 2 para español" in main  # crisis resources with a suicide-family flag
    assert "Things to talk about" not in main and "Treatment visits need" not in main
    assert "Esto no es un diagnóstico" in main

    printed = client.get("/confirmation/answers")
    assert printed.status_code == 200
    assert '<html lang="es">' in printed.text
    assert "Sus respuestas" in printed.text
    assert "Su estado de ánimo en las últimas dos semanas" in printed.text
    assert "Más de la mitad de los días" in printed.text  # phq9_1 = 2
    assert "Not at all" not in printed.text and "Several days" not in printed.text


def test_accept_language_is_the_first_guess(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX,es;q=0.9,en;q=0.4"
    page = client.get("/")
    assert '<html lang="es">' in page.text
    assert "Cuestionario previo para el tratamiento con ketamina" in page.text
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9"
    assert '<html lang="en">' in client.get("/").text  # no Spanish asked for: English


def test_the_help_page_and_error_pages_in_spanish(client):
    choose_spanish(client, "/help")
    help_page = client.get("/help")
    assert '<html lang="es">' in help_page.text
    assert "Hay ayuda disponible ahora mismo" in help_page.text
    assert "988 Línea de Prevención del Suicidio y Crisis" in help_page.text
    assert "marque 2 para español" in help_page.text
    assert 'href="tel:988"' in help_page.text
    assert "lunes a viernes" in help_page.text
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert "No pudimos encontrar esa página." in missing.text
    assert '<html lang="es">' in missing.text


def test_a_resumed_draft_comes_back_in_its_language(app, client):
    choose_spanish(client)
    url = walk(client, BASE, stop_at="gad7/1")
    saved = client.post("/save-for-later", data={"csrf_token": csrf_token(client.get(url).text)})
    assert saved.status_code == 200
    assert "Sus respuestas están guardadas" in saved.text
    code = re.search(r'class="resume-code"[^>]*>([^<]+)<', saved.text).group(1).strip()

    other_device = app.test_client()  # English browser, no session
    form = other_device.get("/resume")
    resumed = other_device.post("/resume", data={"csrf_token": csrf_token(form.text),
                                                 "resume_code": code})
    assert resumed.status_code == 303
    page = other_device.get(resumed.headers["Location"])
    assert '<html lang="es">' in page.text
    assert GAD7_OFFICIAL[0] in page.text


def test_date_of_birth_boxes_are_day_month_year_in_spanish(client):
    choose_spanish(client)
    url = walk(client, BASE, stop_at="about_you/1")
    page = client.get(url).text
    boxes = re.findall(r'<input[^>]*id="(date_of_birth-\w+)"[^>]*>', page)
    assert boxes == ["date_of_birth-day", "date_of_birth-month", "date_of_birth-year"]
    assert ">Día</label>" in page and ">Mes</label>" in page and ">Año</label>" in page
    assert "Por ejemplo, 27 4 1985" in page
    fields = [("date_of_birth-day", "27"), ("date_of_birth-month", "4")]
    response = post_page(client, url, fields)
    assert "La fecha de nacimiento debe incluir un año" in response.text
