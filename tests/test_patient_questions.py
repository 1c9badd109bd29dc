"""Skip logic decided on the server, and validation of every kind of answer."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from screener.extensions import db
from screener.models import Draft
from screener.patient.flow import PAGE_BY_KEY

from flow_helpers import BASE, changed, csrf_token, form_fields, post_page, units_of, walk

pytestmark = pytest.mark.skipif(not BASE, reason="shared/design/personas.json not found")



def saved(app) -> dict:
    with app.app_context():
        return db.session.scalars(select(Draft).order_by(Draft.created_at.desc())).first().answers


def reach(client, key, answers=None):
    url = walk(client, answers or BASE, stop_at=key)
    assert url == f"/q/{key}", url
    return url


def send(client, key, answers, extra=()):
    url = f"/q/{key}"
    fields = form_fields(PAGE_BY_KEY[key], answers, units_of(client))
    return post_page(client, url, [*fields, *extra])


def errors(response) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", e).replace("Error:", "").strip())
            for e in re.findall(r'class="error-message"[^>]*>(.*?)</p>', response.text, re.S)]


# --- skip logic --------------------------------------------------------------------------------

def test_pregnancy_questions_are_not_stored_for_male_sex(app, client):
    reach(client, "about_you/2")
    answers = changed(sex_at_birth="male")  # still carries can_become_pregnant etc.
    assert send(client, "about_you/2", answers).status_code == 303
    stored = saved(app)
    assert not {"can_become_pregnant", "pregnant", "breastfeeding"} & set(stored)


def test_pregnant_is_asked_only_when_pregnancy_is_possible(app, client):
    reach(client, "about_you/2")
    response = send(client, "about_you/2", changed(can_become_pregnant="no", pregnant=None))
    assert response.status_code == 303
    assert "pregnant" not in saved(app)
    client = app.test_client()
    reach(client, "about_you/2")
    response = send(client, "about_you/2", changed(can_become_pregnant="not_sure", pregnant=None))
    assert response.status_code == 200
    assert errors(response) == ["Choose whether you are pregnant, or could be"]


def test_pcl5_pages_only_for_ptsd(client):
    url = walk(client, changed(reasons=["ptsd"]), stop_at="pcl5/1")
    assert url == "/q/pcl5/1"
    client2 = client.application.test_client()
    assert walk(client2, BASE, stop_at="gad7/1") == "/q/gad7/1"
    assert client2.get("/q/gad7/1").status_code == 200
    assert client2.get("/q/pcl5/1").status_code == 302  # does not apply


def test_removing_ptsd_removes_pcl5_answers(app, client):
    answers = changed(reasons=["ptsd", "depression"], **{f"pcl5_{i}": 2 for i in range(1, 21)})
    walk(client, answers)
    assert "pcl5_3" in saved(app)
    assert send(client, "reasons/1", BASE).status_code == 303
    assert not [k for k in saved(app) if k.startswith("pcl5_")]


def test_reasons_other_needs_a_description(client):
    reach(client, "reasons/1")
    response = send(client, "reasons/1", changed(reasons=["other"]))
    assert errors(response) == ["Tell us a little more about what you would like help with"]
    assert send(client, "reasons/1", changed(reasons=["other"],
                                             reasons_other="Migraine")).status_code == 303


def test_phq9_difficulty_needed_only_when_any_item_is_above_zero(app, client):
    reach(client, "phq9/1")
    zeros = changed(phq9_difficulty=None, **{f"phq9_{i}": 0 for i in range(1, 10)})
    assert send(client, "phq9/1", zeros).status_code == 303
    assert "phq9_difficulty" not in saved(app)
    response = send(client, "phq9/1", changed(phq9_difficulty=None))
    assert errors(response) == ["Choose how difficult these problems have made things for you"]
    assert "phq9_difficulty" in response.text.split('class="error-summary"')[1].split("</div>")[0]


def test_safety_follow_up_page_is_skipped_when_everything_is_no(client):
    reach(client, "safety/1")
    response = send(client, "safety/1", BASE)
    assert response.headers["Location"] == "/q/treatments/1"


def test_safety_follow_up_page_asks_right_now_after_item_9(client):
    answers = changed(phq9_9=1)
    reach(client, "safety/1", answers)
    response = send(client, "safety/1", answers)
    assert response.headers["Location"] == "/q/safety/2"
    page = client.get("/q/safety/2").text
    assert 'name="si_now"' in page
    assert 'name="si_intent_past_month"' not in page


def test_unanswered_right_now_question_is_never_passed_over(client):
    answers = changed(si_thoughts_past_month="yes", si_method_past_month="no",
                      si_intent_past_month="no", si_plan_past_month="no")
    reach(client, "safety/2", answers)
    response = send(client, "safety/2", answers)  # si_now missing
    assert response.status_code == 200
    assert summary_and_title(response)[0] == [
        "Choose whether you are having thoughts of killing yourself right now"]


def test_bp_unknown_discards_readings(app, client):
    reach(client, "heart/1")
    response = send(client, "heart/1", changed(bp_unknown=True))
    assert response.status_code == 303
    assert response.headers["Location"] == "/q/heart/3"
    stored = saved(app)
    assert stored["bp_unknown"] is True
    assert not {"bp_systolic", "bp_diastolic", "bp_when", "bp_source"} & set(stored)


def test_readings_are_required_unless_unknown(client):
    reach(client, "heart/1")
    response = send(client, "heart/1", changed(bp_systolic=None, bp_diastolic=None))
    assert errors(response) == ["Enter your blood pressure's top number, for example 120",
                                "Enter your blood pressure's bottom number, for example 80"]


def test_crisis_range_reading_opens_the_symptom_page(client):
    answers = changed(bp_systolic=182, bp_diastolic=100)
    reach(client, "heart/1", answers)
    response = send(client, "heart/1", answers)
    assert response.headers["Location"] == "/help"  # crisis interrupt first
    assert client.get("/continue").headers["Location"] == "/q/heart/2"


def test_hypertension_follow_ups(client):
    reach(client, "heart/3")
    response = send(client, "heart/3", changed(htn_dx="yes"))
    assert errors(response) == ["Choose whether you take medicine for high blood pressure",
                                "Choose whether your blood pressure is under control"]
    response = send(client, "heart/3", changed(htn_dx="yes", htn_meds="yes",
                                               htn_controlled="yes"))
    assert response.status_code == 303


def test_mood_stabiliser_asked_only_with_bipolar(client):
    reach(client, "mental_health/1")
    assert errors(send(client, "mental_health/1", changed(bipolar_dx="yes"))) == [
        "Choose whether you take a mood stabiliser now"]
    assert send(client, "mental_health/1", changed(bipolar_dx="no",
                                                   mood_stabilizer_now="no")).status_code == 303


def test_audit_c_items_2_and_3_only_for_drinkers(app, client):
    reach(client, "substances/1")
    assert send(client, "substances/1", changed(auditc_1=0)).status_code == 303
    assert not {"auditc_2", "auditc_3"} & set(saved(app))


def test_ketamine_effect_only_after_prior_treatment(app, client):
    reach(client, "treatments/2")
    assert errors(send(client, "treatments/2", changed(ketamine_treatment_before="iv"))) == [
        "Choose how your ketamine or esketamine treatment went"]
    assert send(client, "treatments/2", changed(ketamine_treatment_effect="helped")).status_code \
        == 303
    assert "ketamine_treatment_effect" not in saved(app)


# --- validation --------------------------------------------------------------------------------

ABOUT_YOU_1 = [
    ("date_of_birth", "2999-01-01", "Date of birth must be in the past"),
    ("date_of_birth", "1899-12-31", "Date of birth must be after 1900"),
    ("date_of_birth", "1990-02-31", "Date of birth must be a real date"),
    ("email", "not-an-email",
     "Enter an email address in the correct format, like name@example.com"),
    ("email", "a" * 250 + "@x.org",
     "The answer to “Email address” must be 254 characters or fewer"),
    ("phone", "call me",
     "Enter a phone number using only digits, spaces and + ( ) - ., like 555 010 0100"),
    ("phone", "123",
     "Enter a phone number using only digits, spaces and + ( ) - ., like 555 010 0100"),
    ("first_name", "x" * 101, "The answer to “First name” must be 100 characters or fewer"),
    ("first_name", "   ", "Enter your first name"),
    ("preferred_contact", "pigeon", "Choose how the clinic should contact you"),
]


@pytest.mark.parametrize(("field", "value", "message"), ABOUT_YOU_1,
                         ids=[f"{f}={v[:12]}" for f, v, _ in ABOUT_YOU_1])
def test_bad_values_get_a_message_and_keep_what_was_typed(client, field, value, message):
    reach(client, "about_you/1")
    response = send(client, "about_you/1", changed(**{field: value}))
    assert response.status_code == 200
    assert errors(response) == [message]
    assert 'class="error-summary"' in response.text
    assert f'href="#{field}' in response.text  # the summary links to the field
    assert "Rivera" in response.text  # the other typed values stay
    assert "alex@example.org" in response.text or field == "email"


NUMBERS = [
    ("heart/1", "bp_systolic", "301", False), ("heart/1", "bp_systolic", "59", False),
    ("heart/1", "bp_diastolic", "201", False), ("heart/1", "bp_diastolic", "118", False),
    ("heart/1", "bp_diastolic", "117", True),
]


@pytest.mark.parametrize(("key", "field", "value", "ok"), NUMBERS,
                         ids=[f"{f}={v}" for _, f, v, _ in NUMBERS])
def test_number_limits(client, key, field, value, ok):
    reach(client, key)
    response = send(client, key, changed(**{field: value}))
    assert (response.status_code == 303) is ok, errors(response)
    if not ok:
        assert len(errors(response)) == 1
        assert f'value="{value}"' in response.text  # typed value kept even when not a number


def test_none_of_these_excludes_other_choices(client):
    reach(client, "heart/3")
    response = send(client, "heart/3", changed(vascular=["none", "angina"]))
    assert errors(response) == ["Choose “None of these” on its own, or the options that apply"]


def test_one_answer_per_single_choice_question(client):
    reach(client, "phq9/1")
    response = send(client, "phq9/1", BASE, extra=[("phq9_1", "3")])
    assert errors(response) == ["Give one answer only to “Little interest or pleasure in doing "
                                "things”"]


def test_long_free_text_is_refused_with_a_message(client):
    reach(client, "practical/1")
    response = send(client, "practical/1", changed(anything_else="x" * 2001))
    assert errors(response) == ["The answer to “Is there anything else you would like the "
                                "clinic to know?” must be 2000 characters or fewer"]


def test_antidepressant_rows_must_be_complete(client):
    reach(client, "treatments/1")
    rows = [{"drug": "other", "weeks": "gt8", "adherence": "mostly", "outcome": "no_change",
             "current_episode": "yes"}, {"drug": "sertraline"}]
    response = send(client, "treatments/1", changed(ad_trials=rows))
    expected = [
        "Enter the name of antidepressant 1",
        "Choose how many weeks you took antidepressant 2 at the highest dose",
        "Choose whether you took antidepressant 2 as prescribed",
        "Choose what happened with antidepressant 2",
        "Choose whether antidepressant 2 was taken during your current period of depression"]
    assert errors(response) == expected
    assert 'href="#ad_trials-1-weeks"' in response.text
    assert summary_and_title(response)[0] == expected


def test_add_and_remove_antidepressant_rows_without_javascript(app, client):
    url = reach(client, "treatments/1")
    page = client.get(url)
    added = client.post(url, data={"csrf_token": csrf_token(page.text), "add_trial": "1",
                                   "augmentation_trials": "none"})
    assert added.status_code == 200
    assert 'name="ad_trials-0-drug"' in added.text
    fields = {"csrf_token": csrf_token(added.text), "augmentation_trials": "none",
              "ad_trials-0-drug": "sertraline", "ad_trials-1-drug": "fluoxetine",
              "remove_trial": "0"}
    removed = client.post(url, data=fields)
    assert 'name="ad_trials-1-drug"' not in removed.text
    assert re.search(r'<option value="fluoxetine" selected>', removed.text)


def test_no_antidepressants_is_an_answer(app, client):
    reach(client, "treatments/1")
    response = send(client, "treatments/1", changed(ad_trials=[]))
    assert response.status_code == 303
    assert saved(app)["ad_trials"] == []


def test_unanswered_rating_items_ask_to_choose(client):
    reach(client, "gad7/1")
    response = send(client, "gad7/1", changed(gad7_3=None))
    assert errors(response) == [
        "Choose how often you have been bothered by “Worrying too much about different things”"]


def test_bad_value_for_a_question_not_asked_is_ignored_not_an_invisible_error(app, client):
    answers = changed(phq9_9=1)
    reach(client, "safety/2", answers)  # only "right now" is asked on this page
    response = send(client, "safety/2", changed(si_now="no"),
                    extra=[("si_plan_past_month", "maybe"), ("si_intent_past_month", "yes")])
    assert response.status_code == 303
    assert not {"si_plan_past_month", "si_intent_past_month"} & set(saved(app))


# --- messages that make sense alone --------------------------------------------------------------

def test_every_question_has_its_own_messages():
    from screener.questionnaire import QUESTIONNAIRE, QUESTIONS

    missing = [q.id for q in QUESTIONS.values()
               if not q.error and not q.optional and q.kind not in ("bool", "trials")]
    assert missing == []
    typed_numbers = [q for q in QUESTIONS.values() if q.kind == "int" and not q.options]
    assert typed_numbers and all(q.error_invalid for q in typed_numbers)
    assert all(spec.error for spec in QUESTIONNAIRE.trial_fields)
    generic = {"Choose an answer", "Enter an answer", "Enter a whole number"}
    assert not {q.error for q in QUESTIONS.values()} & generic


def summary_and_title(response) -> tuple[list[str], str]:
    summary = response.text.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    title = re.search(r"<title>(.*?)</title>", response.text, re.S)[1]
    links = re.findall(r'<a href="#[^"]+">([^<]+)</a>', summary)
    return [html.unescape(link) for link in links], title


def test_error_summary_repeats_each_inline_message_and_the_title_says_error(client):
    reach(client, "about_you/1")
    response = send(client, "about_you/1", changed(first_name=None, email="alex@"))
    links, title = summary_and_title(response)
    assert links == errors(response) == [
        "Enter your first name",
        "Enter an email address in the correct format, like name@example.com"]
    assert title.startswith("Error: About you")
    assert not client.get("/q/about_you/1").text.count("Error:")


def test_start_page_without_a_choice_shows_the_message_by_the_question(client):
    page = client.get("/")
    assert "<title>Error" not in page.text
    response = client.post("/", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 200
    links, title = summary_and_title(response)
    assert links == errors(response) == [
        "Choose whether you agree that the clinic stores your answers"]
    assert title.startswith("Error: ")
    assert 'href="#consent_store-0"' in response.text
    assert 'id="consent_store-0"' in response.text and 'aria-invalid="true"' in response.text


def test_resume_page_errors_have_a_message_by_the_field(client):
    page = client.get("/resume")
    empty = client.post("/resume", data={"csrf_token": csrf_token(page.text),
                                         "resume_code": " "})
    links, title = summary_and_title(empty)
    assert links == errors(empty) == ["Enter your resume code"]
    assert title.startswith("Error: ")
    unknown = client.post("/resume", data={"csrf_token": csrf_token(page.text),
                                           "resume_code": "ABCDE-12345-FGHJK-67890-MNPQR-STVWX"})
    assert unknown.status_code == 404
    links, title = summary_and_title(unknown)
    assert len(errors(unknown)) == 1 and links == errors(unknown)
    assert errors(unknown)[0].startswith("We could not find saved answers for that code.")
    assert 'aria-describedby="resume_code-hint resume_code-error"' in unknown.text
    assert title.startswith("Error: ")


def test_add_another_names_each_row_and_its_remove_button(client):
    url = reach(client, "treatments/1")
    page = client.get(url)
    assert ">Add an antidepressant</button>" in page.text
    added = client.post(url, data={"csrf_token": csrf_token(page.text), "add_trial": "1"})
    assert ">Add another antidepressant</button>" in added.text
    assert ">Add an antidepressant<" not in added.text
    assert ">Remove antidepressant 1</button>" in added.text  # no medicine chosen yet
    two = client.post(url, data={"csrf_token": csrf_token(added.text), "add_trial": "1",
                                 "ad_trials-0-drug": "sertraline",
                                 "ad_trials-1-drug": "other",
                                 "ad_trials-1-drug_other": "Brintellix <b>"})
    text = two.text
    assert '<h2 class="trial-title">Antidepressant 1</h2>' in text
    assert '<h2 class="trial-title">Antidepressant 2</h2>' in text
    assert '<h2 class="trial-title">Antidepressant 3</h2>' in text
    assert '>Remove Sertraline (Zoloft)</button>' in text
    assert '>Remove Brintellix &lt;b&gt;</button>' in text
    assert '>Remove antidepressant 3</button>' in text


# --- why we ask -----------------------------------------------------------------------------------

def test_each_page_of_a_section_explains_its_own_questions():
    from screener.questionnaire import QUESTIONNAIRE

    for section in QUESTIONNAIRE.sections:
        if len(section.pages) > 1:
            whys = [page.why or section.why for page in section.pages]
            assert len(set(whys)) == len(whys), section.id


def test_the_second_about_you_page_says_why_it_asks_about_pregnancy_and_height(client):
    def why(url: str) -> str:
        return re.search(r'<p class="why">(.*?)</p>', client.get(url).text, re.S)[1]

    reach(client, "reasons/1")
    details, body = why("/q/about_you/1"), why("/q/about_you/2")
    assert details != body
    for topic in ("sex at birth", "pregnancy", "breastfeeding", "Height and weight"):
        assert topic in body
    assert "how to reach you" in details


# --- date of birth: day, month and year boxes ------------------------------------------------

DATES = [  # (month, day, year) as typed, the message, the boxes marked
    ("", "", "1985", "Date of birth must include a day and month", {"day", "month"}),
    ("4", "27", "", "Date of birth must include a year", {"year"}),
    ("4", "", "1985", "Date of birth must include a day", {"day"}),
    ("13", "27", "1985", "Date of birth must be a real date", {"month"}),
    ("4", "31", "1985", "Date of birth must be a real date", {"day"}),
    ("April", "27", "1985", "Date of birth must be a real date", {"month"}),
    ("4", "27", "85", "Year must include 4 numbers", {"year"}),
    ("4", "27", "2999", "Date of birth must be in the past", {"day", "month", "year"}),
    ("4", "27", "1899", "Date of birth must be after 1900", {"year"}),
]


@pytest.mark.parametrize(("month", "day", "year", "message", "marked"), DATES,
                         ids=[f"{m}-{d}-{y}" for m, d, y, *_ in DATES])
def test_date_of_birth_boxes_get_govuk_messages(client, month, day, year, message, marked):
    reach(client, "about_you/1")
    fields = [(k, v) for k, v in form_fields(PAGE_BY_KEY["about_you/1"], BASE)
              if not k.startswith("date_of_birth")]
    response = send_fields(client, "about_you/1", [
        *fields, ("date_of_birth-month", month), ("date_of_birth-day", day),
        ("date_of_birth-year", year)])
    assert response.status_code == 200
    assert errors(response) == summary_and_title(response)[0] == [message]
    invalid = set(re.findall(r'id="date_of_birth-(\w+)"[^>]*aria-invalid="true"', response.text))
    assert invalid == marked
    first = next(p for p in ("month", "day", "year") if p in marked)  # US order in English
    assert f'href="#date_of_birth-{first}"' in response.text
    for typed in (month, day, year):
        assert f'value="{typed}"' in response.text


def send_fields(client, key, fields):
    return post_page(client, f"/q/{key}", fields)


def test_date_of_birth_is_three_boxes_in_us_order_and_stored_as_before(app, client):
    reach(client, "about_you/2")
    page = client.get("/q/about_you/1").text
    boxes = re.findall(r'<input[^>]*id="(date_of_birth-\w+)"[^>]*>', page)
    assert boxes == ["date_of_birth-month", "date_of_birth-day", "date_of_birth-year"]
    for part in ("month", "day", "year"):
        box = re.search(rf'<input[^>]*id="date_of_birth-{part}"[^>]*>', page)[0]
        assert f'autocomplete="bday-{part}"' in box and 'inputmode="numeric"' in box
    assert 'type="date"' not in page
    assert "For example, 4 27 1985" in page
    assert re.search(r'<legend class="label">Date of birth', page)
    # Saved answers come back in the boxes, and the stored value is the same ISO date.
    assert 'value="12"' in page and 'value="16"' in page and 'value="1983"' in page
    assert send_fields(client, "about_you/1", [
        *[(k, v) for k, v in form_fields(PAGE_BY_KEY["about_you/1"], BASE)
          if not k.startswith("date_of_birth")],
        ("date_of_birth-month", " 02 "), ("date_of_birth-day", "9"),
        ("date_of_birth-year", "1990")]).status_code == 303
    assert saved(app)["date_of_birth"] == "1990-02-09"


# --- height and weight in the clinic's units ---------------------------------------------------

HEIGHT_ERROR = "Height must be between 3 feet 4 inches and 8 feet 2 inches"
FEET_INCHES = "Enter your height in feet and inches, like 5 feet 9 inches"
US_UNITS = [  # the boxes typed, the message (None: saved) and the stored centimetres or kilograms
    ({"height_cm-feet": "5", "height_cm-inches": "9"}, None, ("height_cm", 175)),
    ({"height_cm-feet": "5", "height_cm-inches": ""}, None, ("height_cm", 152)),
    ({"height_cm-feet": "", "height_cm-inches": "69"}, None, ("height_cm", 175)),
    ({"height_cm-feet": "3", "height_cm-inches": "4"}, None, ("height_cm", 102)),
    ({"height_cm-feet": "8", "height_cm-inches": "2"}, None, ("height_cm", 249)),
    ({"height_cm-feet": "3", "height_cm-inches": "3"}, HEIGHT_ERROR, None),
    ({"height_cm-feet": "8", "height_cm-inches": "3"}, HEIGHT_ERROR, None),
    ({"height_cm-feet": "5", "height_cm-inches": "12"}, FEET_INCHES, None),
    ({"height_cm-feet": "5.5", "height_cm-inches": ""}, FEET_INCHES, None),
    ({"weight_kg-pounds": "165"}, None, ("weight_kg", 75)),
    ({"weight_kg-pounds": "66"}, None, ("weight_kg", 30)),
    ({"weight_kg-pounds": "772"}, None, ("weight_kg", 350)),
    ({"weight_kg-pounds": "65"}, "Weight must be between 66 and 772 pounds", None),
    ({"weight_kg-pounds": "773"}, "Weight must be between 66 and 772 pounds", None),
    ({"weight_kg-pounds": "160.5"}, "Enter your weight in whole pounds, like 160", None),
    ({"weight_kg-pounds": "abc"}, "Enter your weight in whole pounds, like 160", None),
]


@pytest.mark.parametrize(("typed", "message", "stored"), US_UNITS,
                         ids=["+".join(t.values()) for t, _, _ in US_UNITS])
def test_height_and_weight_in_feet_inches_and_pounds(app, client, typed, message, stored):
    reach(client, "about_you/2")
    measured = {k: v for k, v in BASE.items() if k not in ("height_cm", "weight_kg")}
    response = send(client, "about_you/2", measured, extra=list(typed.items()))
    if message is None:
        assert response.status_code == 303, errors(response)
        assert saved(app)[stored[0]] == stored[1]
    else:
        assert errors(response) == summary_and_title(response)[0] == [message]
        for name, value in typed.items():
            assert f'name="{name}" value="{value}"' in response.text


def test_us_units_are_the_default_and_show_in_feet_inches_and_pounds(app, client):
    assert app.config["MEASUREMENT_UNITS"] == "us"
    walk(client, BASE)
    page = client.get("/q/about_you/2").text
    assert re.search(r'<legend class="label">Height', page)
    for name, value in (("height_cm-feet", "5"), ("height_cm-inches", "9"),
                        ("weight_kg-pounds", "165")):
        assert f'name="{name}" value="{value}"' in page
    assert 'name="height_cm"' not in page and "centimetres" not in page
    check = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/check").text))
    assert "Height 5 ft 9 in" in check and "Weight 165 lb" in check


METRIC = [("height_cm", "99", False), ("height_cm", "100", True), ("height_cm", "250", True),
          ("height_cm", "251", False), ("height_cm", "1.5", False), ("weight_kg", "29", False),
          ("weight_kg", "350", True), ("weight_kg", "abc", False)]


def test_a_metric_clinic_asks_for_centimetres_and_kilograms(tmp_path):
    from conftest import make_app

    for metric in make_app("sqlite", tmp_path, MEASUREMENT_UNITS="metric"):
        client = metric.test_client()
        assert walk(client, BASE) == "/check"
        page = client.get("/q/about_you/2").text
        assert 'name="height_cm" value="175"' in page and 'name="weight_kg" value="75"' in page
        assert ">Centimetres</label>" in page and "feet" not in page.lower()
        for field, value, ok in METRIC:
            response = send(client, "about_you/2", changed(**{field: value}))
            assert (response.status_code == 303) is ok, (field, value, errors(response))
            if not ok:
                unit = "centimetres" if field == "height_cm" else "kilograms"
                assert len(errors(response)) == 1 and unit in errors(response)[0]
                assert f'value="{value}"' in response.text
        check = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/check").text))
        assert "Height 175 cm" in check and "Weight 350 kg" in check


# --- substances in two steps --------------------------------------------------------------------

LAST_USE_IDS = [q for q in PAGE_BY_KEY["substances/3"].question_ids]


def test_someone_who_used_nothing_ticks_none_and_skips_the_when_page(app, client):
    reach(client, "substances/2")
    page = client.get("/q/substances/2").text
    assert page.count('type="checkbox" id="substances_used-') == 9
    assert 'name="last_use_' not in page
    response = send(client, "substances/2", changed(substances_used=["none"]))
    assert response.headers["Location"] == "/q/medicines/1"
    stored = saved(app)
    assert stored["substances_used"] == ["none"]
    assert {qid: stored[qid] for qid in LAST_USE_IDS} == dict.fromkeys(LAST_USE_IDS, "never")
    assert client.get("/q/substances/3").status_code == 302  # does not apply


def test_when_is_asked_only_for_what_was_ticked_without_never(app, client):
    reach(client, "substances/2")
    ticked = changed(substances_used=["cannabis", "pcp"])
    assert send(client, "substances/2", ticked).headers["Location"] == "/q/substances/3"
    page = client.get("/q/substances/3").text
    assert sorted(set(re.findall(r'name="(last_use_\w+)"', page))) == [
        "last_use_cannabis", "last_use_pcp"]
    assert 'value="never"' not in page
    assert "Cannabis" in page and "Cocaine" not in page
    response = send(client, "substances/3", changed(last_use_cannabis="never",
                                                   last_use_pcp="within_30_days"))
    assert errors(response) == ["Choose when you last used “Cannabis”"]
    response = send(client, "substances/3", changed(last_use_cannabis="within_12_months",
                                                   last_use_pcp="more_than_12_months"))
    assert response.status_code == 303
    stored = saved(app)
    assert stored["last_use_cannabis"] == "within_12_months"
    assert stored["last_use_pcp"] == "more_than_12_months"
    assert stored["last_use_cocaine_or_meth"] == "never"
    # Unticking one later stores "never" for it again.
    assert send(client, "substances/2", changed(substances_used=["pcp"])).status_code == 303
    stored = saved(app)
    assert stored["last_use_cannabis"] == "never"
    assert stored["last_use_pcp"] == "more_than_12_months"


def test_none_of_these_is_on_its_own_on_the_substances_page(client):
    reach(client, "substances/2")
    response = send(client, "substances/2", changed(substances_used=["none", "cannabis"]))
    assert errors(response) == ["Choose “None of these” on its own, or the options that apply"]
    response = send(client, "substances/2", changed(substances_used=[]))  # nothing ticked
    assert errors(response) == ["Choose the ones you have ever used, or “None of these”"]
