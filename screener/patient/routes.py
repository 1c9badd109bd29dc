"""The patient's pages: start, steps, help, resume, check, submit, confirmation."""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta
from typing import Any

from flask import (
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, gettext, lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from wtforms import StringField
from wtforms.validators import DataRequired, Email, Length

from ..extensions import db, limiter
from ..hardening import database_unavailable, roll_back
from ..models import Draft, Submission, utcnow
from ..questionnaire import QUESTIONNAIRE, QUESTIONS, SECTION_OF, Answers
from ..questionnaire.forms import page_form, required_message
from ..rules import SUICIDE_FAMILY, Settings
from . import bp
from .drafts import (
    AlreadySubmitted,
    find_by_resume_code,
    issue_resume_code,
    load_draft,
    new_draft,
    save_page,
    set_language,
    submit,
)
from .flow import (
    PAGE_BY_KEY,
    PageRef,
    applicable_pages,
    first_incomplete,
    may_visit,
    neighbours,
    progress,
    shown_questions,
)
from .mail import (
    DeliveryError,
    confirmation_text,
    mail_configured,
    resume_link_text,
    send_to_person,
)
from .pages import answer_rows, error_summary, form_data, read_page
from .render import question_view, shown_question

START = QUESTIONNAIRE.sections[0]


class ResumeForm(FlaskForm):
    resume_code = StringField(validators=[DataRequired(lazy_gettext("Enter your resume code"))])


class EmailLinkForm(FlaskForm):
    email = StringField(validators=[
        DataRequired(lazy_gettext("Enter your email address")),
        Length(max=254, message=lazy_gettext("Enter an email address in the correct format, "
                                             "like name@example.com")),
        Email(message=lazy_gettext("Enter an email address in the correct format, like "
                                   "name@example.com"), check_deliverability=False)])


def current_draft() -> Draft | None:
    return load_draft(session.get("draft"))


def _lifetime() -> int:
    return current_app.config["DRAFT_LIFETIME_DAYS"]


def _step_url(ref: PageRef, **params: Any) -> str:
    return url_for("patient.step", section_id=ref.section.id, number=ref.number, **params)


def _where_next(draft: Draft) -> str:
    if draft.submission_id is not None:
        return url_for("patient.confirmation")
    ref = first_incomplete(Answers(draft.answers), draft.pages_done)
    return _step_url(ref) if ref else url_for("patient.check")


@bp.route("/", methods=["GET", "POST"])
def start():
    form = page_form(START.pages[0])()
    draft = current_draft()
    consent = START.questions[0]
    if form.validate_on_submit():
        if form.consent_store.data == "yes":
            return _begin(draft)
        if form.consent_store.data == "no":  # an answer, not a mistake: nothing is stored
            return render_template("patient/not_stored.html")
        form.consent_store.errors.append(required_message(consent))
    return render_template("patient/start.html", form=form, draft=draft,
                           consent=question_view(consent),
                           errors=error_summary(form, [consent]))


@limiter.limit(lambda: current_app.config["RATELIMIT_NEW_DRAFT"])
def _begin(draft: Draft | None):
    if draft is None or draft.submission_id is not None:
        language = str(get_locale())
        draft = new_draft(_lifetime(), language=language)
        # Where to go is worked out before the session changes: if the database fails here,
        # the 503 page keeps the old session (and its form token) for the next press.
        target = _where_next(draft)
        session.clear()
        session.permanent = True
        session["draft"] = draft.id
        session["lang"] = language
        return redirect(target, code=303)
    return redirect(_where_next(draft), code=303)


class LanguageForm(FlaskForm):
    language = StringField()
    next = StringField()


@bp.route("/language", methods=["POST"])
def choose_language():
    """The language switch on every patient page (a form, so it works without JavaScript)."""
    form = LanguageForm()
    language = form.language.data
    if form.validate_on_submit() and language in current_app.config["LANGUAGES"]:
        session["lang"] = language
        draft = current_draft()
        if draft is not None and draft.submission_id is None:
            with suppress(AlreadySubmitted):  # sent meanwhile: only the session changes
                set_language(draft, language)
    return redirect(_local_path(form.next.data) or url_for("patient.start"), code=303)


def _local_path(target: str | None) -> str | None:
    """Only a path on this site (never //host or a scheme) is followed after a switch. No
    spaces or control characters: browsers drop tabs, so "/<tab>/evil.example" is another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if len(target) > 500 or any(c.isspace() or not c.isprintable() for c in target):
        return None
    return target


@bp.route("/continue")
def resume_here():
    draft = current_draft()
    if draft is None:
        return redirect(url_for("patient.start"))
    return redirect(_where_next(draft))


@bp.route("/q/<section_id>/<int:number>", methods=["GET", "POST"])
def step(section_id: str, number: int):
    ref = PAGE_BY_KEY.get(f"{section_id}/{number}") or abort(404)
    draft = current_draft()
    if draft is None:
        return render_template("patient/no_draft.html"), 409
    if draft.submission_id is not None:
        return render_template("patient/already_sent.html", draft=draft), 409
    answers = Answers(draft.answers)
    if not may_visit(ref, answers, draft.pages_done):
        return redirect(_where_next(draft))
    if request.method == "GET":
        return render_step(ref, draft, page_form(ref.page)(data=form_data(ref, draft.answers)))
    form = page_form(ref.page)()
    if _change_trial_rows(form):
        return render_step(ref, draft, form)
    later = request.form.get("action") == "later"
    read = read_page(form, ref, draft.answers, request.form, require_all=not later)
    if not read.valid:
        return render_step(ref, draft, form, invalid=True)
    try:
        new_crisis = save_page(draft, ref, read.posted, _lifetime())
    except AlreadySubmitted:
        return render_template("patient/already_sent.html", draft=draft), 409
    _renew_cookie()
    if later:  # the code is shown once, so it comes with the crisis help when both apply
        return _show_resume_code(draft, crisis=bool(new_crisis))
    if new_crisis:
        return redirect(url_for("patient.help_page"), code=303)
    return redirect(_after_save(ref, draft), code=303)


@bp.errorhandler(OperationalError)
@bp.errorhandler(InterfaceError)
def database_gone(error: SQLAlchemyError):
    """The database was gone for a moment: a questionnaire page sent then comes back with
    everything the person typed (the other pages are already saved) and "press Continue again";
    anything else is the app's 503 page."""
    if request.endpoint != "patient.step" or request.method != "POST":
        return database_unavailable(error)
    roll_back()
    ref = PAGE_BY_KEY.get(f"{request.view_args['section_id']}/{request.view_args['number']}")
    try:
        draft = current_draft()
    except SQLAlchemyError:
        roll_back()
        draft = None
    message = gettext("We could not save this page just now. Your answers are still here: "
                      "please press Continue again in a moment.")
    return render_step(ref, draft, page_form(ref.page)(), message=message), 503, {
        "Retry-After": "30"}


def _renew_cookie() -> None:
    """A save extends the draft's life, so the session cookie that finds it is renewed too
    (once a day at most: the cookie is not signed again on every request)."""
    today = date.today().toordinal()
    if session.get("renewed") != today:
        session["renewed"] = today


def _after_save(ref: PageRef, draft: Draft) -> str:
    answers = Answers(draft.answers)
    pages = applicable_pages(answers)
    missing = first_incomplete(answers, draft.pages_done, pages)
    if _returning():
        changed = request.args.get("answer")
        changed = changed if changed in QUESTIONS else None
        if missing:
            return _step_url(missing, **{"return": "check", "answer": changed})
        # Back to the row that was changed, in its section (opened).
        anchor = f"answer-{changed}" if changed else f"section-{ref.section.id}"
        section = SECTION_OF[changed].id if changed else ref.section.id
        return url_for("patient.check", open=section, _anchor=anchor)
    following = neighbours(ref, pages)[1]
    if following is not None:
        return _step_url(following)
    return _step_url(missing) if missing else url_for("patient.check")


def _returning() -> bool:
    """Whether the page was opened from the check page (?return=check)."""
    return request.args.get("return") == "check"


def _change_trial_rows(form: Any) -> bool:
    """"Add another" and "Remove" in the antidepressant list work without JavaScript."""
    trials = next((f for f in form if f.type == "FieldList"), None)
    if trials is None:
        return False
    if "add_trial" in request.form:
        if len(trials.entries) < QUESTIONNAIRE.max_trials:
            trials.append_entry()
        return True
    remove = request.form.get("remove_trial")
    if remove is not None and len(remove) < 4 and remove.isascii() and remove.isdigit() and (
            int(remove) < len(trials.entries)):  # "²".isdigit() is True; int() it is not
        rows = [entry.data for i, entry in enumerate(trials.entries) if i != int(remove)]
        while trials.entries:
            trials.pop_entry()
        for row in rows:
            trials.append_entry(row)
        return True
    return False


def render_step(ref: PageRef, draft: Draft | None, form: Any, invalid: bool = False,
                message: str | None = None) -> str:
    """A step page: its questions drawn from `form` (the page's WTForms form), with the
    progress, back link and error summary that the answers so far decide."""
    answers = Answers(draft.answers if draft else {})
    pages = applicable_pages(answers)
    previous, _ = neighbours(ref, pages)
    position, total = progress(ref, pages)
    shown = shown_questions(ref, answers)
    return render_template(
        "patient/step.html", ref=ref, form=form,
        questions=[shown_question(q, ref) for q in shown], invalid=invalid,
        errors=error_summary(form, shown) if invalid else [],
        position=position, total=total, message=message,
        back_url=_step_url(previous) if previous else url_for("patient.start"),
        returning=_returning(),
    )


@bp.app_errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    """An expired token or session on a POST: the same page again, with what was typed."""
    message = gettext("This page was open for a long time, so for your safety we need you to "
                      "press the button again. Everything you typed is still here.")
    ref = None
    if request.endpoint == "patient.step":
        ref = PAGE_BY_KEY.get(f"{request.view_args['section_id']}/{request.view_args['number']}")
    if ref is None:
        return render_template("patient/expired.html", message=message), 400
    form = page_form(ref.page)()
    return render_step(ref, current_draft(), form, message=message), 400


@bp.route("/help")
def help_page():
    return render_template("patient/help.html", draft=current_draft())


@bp.route("/resume", methods=["GET", "POST"])
def resume():
    form = ResumeForm()
    if form.validate_on_submit():
        return _try_resume_code(form)
    return render_template("patient/resume.html", form=form), 400 if form.errors else 200


@limiter.limit(lambda: current_app.config["RATELIMIT_RESUME"])
def _try_resume_code(form: ResumeForm):
    draft = find_by_resume_code(form.resume_code.data or "")
    if draft is None:
        form.resume_code.errors.append(gettext(
            "We could not find saved answers for that code. Check the code, or start again. "
            "Codes stop working after %(days)s days.",
            days=current_app.config["DRAFT_LIFETIME_DAYS"]))
        return render_template("patient/resume.html", form=form), 404
    if request.form.get("once"):  # the emailed link works once: a new code nobody sees
        with suppress(AlreadySubmitted):
            issue_resume_code(draft)
    session.clear()
    session.permanent = True
    session["draft"] = draft.id
    session["lang"] = draft.language
    return redirect(_where_next(draft), code=303)


@bp.route("/resume/<code>")
def resume_link(code: str):
    """The emailed link: a button that resumes (a mail scanner following the link uses
    nothing up)."""
    if len(code) > 64:
        abort(404)
    return render_template("patient/resume_link.html", code=code)


@bp.route("/save-for-later/email", methods=["POST"])
def email_resume_link():
    draft = current_draft()
    if draft is None or draft.submission_id is not None or not mail_configured():
        return redirect(url_for("patient.start"))
    form = EmailLinkForm()
    if not form.validate_on_submit():
        return render_template("patient/resume_code.html", code=None, draft=draft,
                               email_form=form), 400
    return _email_link(draft, form.email.data.strip())


@limiter.limit(lambda: current_app.config["RATELIMIT_RESUME_EMAIL"])
def _email_link(draft: Draft, to: str):
    try:
        code = issue_resume_code(draft)  # a new code: the one shown before stops working
    except AlreadySubmitted:
        return render_template("patient/already_sent.html", draft=draft), 409
    link = current_app.config["PUBLIC_URL"].rstrip("/") + url_for("patient.resume_link",
                                                                  code=code)
    try:
        send_to_person(to, *resume_link_text(link))
    except DeliveryError as error:
        current_app.logger.warning("resume link not emailed: %s", type(error).__name__)
        return render_template("patient/resume_code.html", code=code, draft=draft,
                               mail_failed=True), 503
    return render_template("patient/resume_emailed.html", email=to)


@bp.route("/save-for-later", methods=["POST"])
def save_for_later():
    draft = current_draft()
    if draft is None or draft.submission_id is not None:
        return redirect(url_for("patient.start"))
    return _show_resume_code(draft)


def _show_resume_code(draft: Draft, crisis: bool = False):
    try:
        code = issue_resume_code(draft)
    except AlreadySubmitted:  # sent from another tab a moment ago: nothing left to resume
        return render_template("patient/already_sent.html", draft=draft), 409
    email_form = EmailLinkForm(data={"email": Answers(draft.answers).get("email")}) if (
        mail_configured()) else None
    return render_template("patient/resume_code.html", code=code, draft=draft, crisis=crisis,
                           email_form=email_form)


@bp.route("/check")
def check():
    draft = current_draft()
    if draft is None:
        return redirect(url_for("patient.start"))
    if draft.submission_id is not None:
        return redirect(url_for("patient.confirmation"))
    if first_incomplete(Answers(draft.answers), draft.pages_done):
        return redirect(_where_next(draft))
    return render_template("patient/check.html", sections=answer_rows(draft.answers),
                           form=FlaskForm(), step_url=_step_url,
                           open_section=request.args.get("open"),
                           email=Answers(draft.answers).get("email") if mail_configured()
                           else None)


@bp.route("/submit", methods=["POST"])
def send():
    draft = current_draft()
    if draft is None:
        return render_template("patient/no_draft.html"), 409
    if draft.submission_id is None and first_incomplete(Answers(draft.answers),
                                                         draft.pages_done):
        return redirect(_where_next(draft), code=303)
    settings = Settings.from_dict(current_app.config["RULE_SETTINGS"])
    first_time = draft.submission_id is None
    submission = submit(draft, settings)
    to = Answers(draft.answers).get("email")
    if first_time and request.form.get("email_confirmation") and to and mail_configured():
        try:  # optional: the answers are sent whether or not this mail leaves
            send_to_person(to, *confirmation_text(submission.reference))
        except DeliveryError as error:
            current_app.logger.warning("confirmation not emailed: %s", type(error).__name__)
    return redirect(url_for("patient.confirmation"), code=303)


def _own_submission() -> Submission:
    draft = current_draft()
    if draft is None or draft.submission_id is None:
        abort(404)
    return db.session.get(Submission, draft.submission_id)


def _answers_visible(submission: Submission) -> bool:
    """A sent questionnaire's answers stay on this device only for a short time (a shared or
    borrowed computer); the reference stays for talking to the clinic."""
    shown_for = timedelta(minutes=current_app.config["ANSWERS_VISIBLE_MINUTES"])
    return utcnow() < submission.created_at + shown_for


@bp.route("/confirmation")
def confirmation():
    submission = _own_submission()
    flag_ids = {f["rule_id"] for f in submission.flags}
    return render_template(
        "patient/confirmation.html", submission=submission,
        show_crisis=submission.crisis or bool(flag_ids & set(SUICIDE_FAMILY)),
        answers_visible=_answers_visible(submission),
    )


@bp.route("/confirmation/answers")
def my_answers():
    submission = _own_submission()
    if not _answers_visible(submission):
        return render_template("patient/answers_gone.html", submission=submission), 410
    return render_template("patient/my_answers.html", submission=submission,
                           sections=answer_rows(submission.answers))


@bp.route("/finish", methods=["POST"])
def finish():
    """"Finish and clear this device": the patient's session ends here, and the answers with it
    (the page says the reference once more, for talking to the clinic)."""
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    draft = current_draft()
    reference = None
    if draft is not None and draft.submission_id is not None:
        reference = db.session.get(Submission, draft.submission_id).reference
    session.clear()
    return render_template("patient/finished.html", reference=reference)
