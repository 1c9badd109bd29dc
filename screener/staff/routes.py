"""The queue, the submission page (notes, status, re-evaluation) and the rules page."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..alerts.hours import parse_hours
from ..extensions import db
from ..models import STATUSES, Submission
from ..questionnaire import QUESTIONS
from ..rules import RULEBOOK_VERSION, RULES, SEVERITIES, SOURCES, Settings
from . import audit, bp
from .cases import (
    OwnerConflict,
    Pick,
    active_colleague,
    bulk_change,
    colleagues,
    contact_labels,
    log_contact,
    set_owner,
)
from .forms import (
    MAX_NOTE_LENGTH,
    ConfirmReevaluationForm,
    ContactForm,
    EmptyForm,
    NoteForm,
    OwnerForm,
    SearchForm,
    StatusForm,
)
from .queue import SEVERITY_FILTERS, VIEWS, Cursor, QueueFilters, by_reference, queue_page
from .review import (
    StatusConflict,
    add_note,
    case_history,
    change_status,
    contact_lines,
    every_answer,
    flag_views,
    key_scores,
    reevaluate,
    save_reevaluation,
    score_lines,
    severity_label,
    status_history,
    status_label,
)
from .waiting import Waiting, waiting


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])


def _settings() -> Settings:
    return Settings.from_dict(current_app.config["RULE_SETTINGS"])


def _now() -> datetime:
    return current_app.config["STAFF_CLOCK"]()


@bp.app_template_filter("staff_time")
def staff_time(moment: datetime | None) -> str:
    """A stored (UTC) time in the clinic's time zone, with the zone's abbreviation."""
    if moment is None:
        return ""
    return moment.astimezone(_zone()).strftime("%Y-%m-%d %H:%M %Z")


def waiting_of(row: Any) -> Waiting:
    """How long the person of a queue row or submission has waited; what is overdue."""
    config = current_app.config
    return waiting(row, _now(), parse_hours(config["CLINIC_HOURS"], config["CLINIC_TIMEZONE"]),
                   config["URGENT_CONTACT_HOURS"], config["CONTACT_TARGET_DAYS"])


@bp.context_processor
def staff_helpers() -> dict:
    """What every staff page (and the printable summary) may show: labels, the queue filter
    form's choices, the rulebook version."""
    return {
        "rulebook_version": RULEBOOK_VERSION, "STATUSES": STATUSES, "status_label": status_label,
        "severity_label": severity_label, "key_scores": key_scores,
        "queue_severities": SEVERITY_FILTERS, "queue_reasons": QUESTIONS["reasons"],
        "waiting": waiting_of, "queue_views": VIEWS, **contact_labels(),
    }


@bp.route("/", methods=["GET", "POST"])
def queue():
    """GET: the queue with filters (no health information in the URL). POST: a search by
    reference, name or email, which never travels in a URL."""
    filters = QueueFilters.from_args(request.args)
    source = request.args
    term = ""
    if request.method == "POST" and (form := SearchForm()).validate():
        term, source = (form.q.data or "").strip(), request.form
    return _queue(filters, source, term)


def _queue(filters: QueueFilters, source: Any, term: str = "", status: int = 200,
           **bulk: Any):
    """The queue page; `bulk`: what the bulk form shows again after a problem (its problems,
    the ticked rows, the choices made and the page to go back to)."""
    page = queue_page(filters, term, after=Cursor.decode(source.get("after")),
                      before=Cursor.decode(source.get("before")),
                      size=current_app.config["STAFF_QUEUE_PAGE_SIZE"], zone=_zone(),
                      count_limit=current_app.config["STAFF_QUEUE_COUNT_LIMIT"],
                      user_id=current_user.id, today=_now().astimezone(_zone()).date())
    return render_template("staff/queue.html", page=page, filters=filters, bulk=bulk), status


def _submission_or_404(reference: str) -> Submission:
    return by_reference(reference) or abort(404)


@bp.route("/submissions/<reference>")
def submission(reference: str):
    return _submission_page(_submission_or_404(reference))


def _submission_page(sub: Submission, note_form: NoteForm | None = None,
                     contact_form: ContactForm | None = None, status: int = 200):
    """Render, then record the view: the page is shown only once the audit row is stored."""
    case = case_history(sub)
    page = render_template(
        "staff/submission.html", sub=sub, contact=contact_lines(sub.answers),
        scores=score_lines(sub.scores), flags=flag_views(sub.flags, sub.answers),
        sections=every_answer(sub.answers), notes=case.notes, history=case.status_changes,
        case=case, note_form=note_form or NoteForm(formdata=None),
        contact_form=contact_form or ContactForm(formdata=None),
        current_rulebook=RULEBOOK_VERSION,
    )
    audit.record("view", current_user.id, sub.id)
    db.session.commit()
    return page, status


@bp.route("/submissions/<reference>/notes", methods=["POST"])
def add_note_view(reference: str):
    sub = _submission_or_404(reference)
    form = NoteForm()
    if not form.validate():
        return _submission_page(sub, note_form=form, status=400)
    add_note(sub, current_user._get_current_object(), form.body.data)
    flash(gettext("Note added."))
    return redirect(url_for("staff.submission", reference=sub.reference) + "#notes", code=303)


@bp.route("/submissions/<reference>/status", methods=["POST"])
def change_status_view(reference: str):
    sub = _submission_or_404(reference)
    form = StatusForm()
    if not form.validate():
        abort(400)
    user = current_user._get_current_object()
    try:
        change_status(sub, user, form.status.data, form.version.data, form.seen_status.data)
    except StatusConflict as conflict:
        last = status_history(conflict.submission)
        return render_template("staff/conflict.html", conflict=conflict, sub=conflict.submission,
                               last_change=last[-1] if last else None), 409
    flash(gettext("Status saved: %(status)s.", status=status_label(sub.status)))
    return redirect(url_for("staff.submission", reference=sub.reference), code=303)


def _account_id(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        abort(400)


@bp.route("/submissions/<reference>/owner", methods=["POST"])
def change_owner(reference: str):
    """Take the case, give it to a colleague, or unassign it."""
    sub = _submission_or_404(reference)
    form = OwnerForm()
    if not form.validate():
        abort(400)
    try:
        set_owner(sub, current_user._get_current_object(), _account_id(form.owner.data),
                  _account_id(form.seen_owner.data))
    except ValueError:
        abort(400)
    except OwnerConflict as conflict:
        return render_template("staff/owner_conflict.html", sub=conflict.submission), 409
    flash(gettext("Owner saved: %(owner)s.",
                  owner=sub.owner.email if sub.owner else gettext("nobody")))
    return redirect(url_for("staff.submission", reference=sub.reference), code=303)


@bp.route("/submissions/<reference>/assign")
def assign_page(reference: str):
    """The colleagues a case can be given to (a page of its own keeps the submission page's
    statements within budget)."""
    sub = _submission_or_404(reference)
    return render_template("staff/assign.html", sub=sub, colleagues=colleagues())


@bp.route("/submissions/<reference>/contacts", methods=["POST"])
def add_contact(reference: str):
    sub = _submission_or_404(reference)
    form = ContactForm()
    if not form.validate():
        return _submission_page(sub, contact_form=form, status=400)
    log_contact(sub, current_user._get_current_object(), form.channel.data, form.outcome.data,
                form.note.data or "", form.follow_up_on.data, form.mark_contacted.data, _now())
    flash(gettext("Contact attempt logged."))
    return redirect(url_for("staff.submission", reference=sub.reference) + "#contacts", code=303)


OWNER_CHOICES = ("keep", "me", "nobody", "colleague")


@bp.route("/bulk", methods=["POST"])
def bulk():
    """Ticked queue rows: a new status, and/or an owner (me, nobody, or a colleague chosen on a
    page of its own, which keeps the queue page within its statements); each row with the
    conflict check and audit record of a single change (a row someone changed since the page
    was drawn is left alone). Nothing ticked or nothing chosen: the queue again with the problem
    next to the form, the rows still ticked; a colleague who cannot be given cases (disabled,
    unknown): the colleague page again, saying so."""
    if not EmptyForm().validate():
        abort(400)
    ticked = request.form.getlist("pick")[:200]
    picks = [p for p in map(Pick.parse, ticked) if p]
    status = request.form.get("status") or None
    if status not in (None, *STATUSES):
        abort(400)
    choice = request.form.get("owner", "keep")
    back = request.form.get("back", "")
    if not (back.startswith("/staff/") and "\\" not in back):  # never elsewhere
        back = url_for("staff.queue")
    problems = []
    if not picks:
        problems.append(("bulk-picks", gettext("Tick the rows to change first.")))
    if status is None and choice == "keep":
        problems.append(("bulk-status", gettext(
            "Choose a new status or owner for the ticked rows.")))
    if problems:
        args = MultiDict(parse_qsl(urlsplit(back).query))
        return _queue(QueueFilters.from_args(args), args, status=400, problems=problems,
                      ticked=set(ticked), status_chosen=status or "", owner_chosen=choice,
                      back=back)
    owner = {"me": current_user.id, "nobody": None}.get(choice)
    if choice == "colleague":
        return _bulk_assign_page(picks, status, back)
    if choice not in OWNER_CHOICES and (owner := active_colleague(choice)) is None:
        return _bulk_assign_page(picks, status, back, gettext(
            "Choose a colleague from the list: that account is disabled or does not exist."))
    done = bulk_change(picks, current_user._get_current_object(), status, owner,
                       choice != "keep")
    flash(gettext("%(num)s changed.", num=len(done.changed)))
    if done.refused:
        flash(gettext("Not changed, because someone else changed them since: %(refs)s.",
                      refs=", ".join(done.refused)))
    if done.owner_disabled:
        flash(gettext("Not changed, because the chosen colleague's account was disabled "
                      "meanwhile: %(refs)s.", refs=", ".join(done.owner_disabled)))
    return redirect(back, code=303)


def _bulk_assign_page(picks: list[Pick], status: str | None, back: str,
                      problem: str | None = None):
    """The ticked rows (still ticked, each can be unticked) and the active colleagues they can
    be given to."""
    found = {row.reference: row for row in db.session.execute(
        select(Submission.reference, Submission.first_name, Submission.last_name)
        .where(Submission.reference.in_([p.reference for p in picks])))}
    others = [c for c in colleagues() if c.id != current_user.id]
    return render_template("staff/bulk_assign.html", picks=picks, found=found,
                           colleagues=others, status=status, back=back,
                           problem=problem), 400 if problem else 200


@bp.route("/submissions/<reference>/re-evaluate", methods=["GET", "POST"])
def reevaluate_view(reference: str):
    """Shows what the current rulebook would change; saves only when confirmed."""
    sub = _submission_or_404(reference)
    check = reevaluate(sub, _settings())
    form = ConfirmReevaluationForm()
    stale = False
    if request.method == "POST" and form.validate():
        if form.fingerprint.data == check.fingerprint and check.changes:
            if save_reevaluation(sub, current_user._get_current_object(), check.result):
                flash(gettext("The new result is saved."))
                return redirect(url_for("staff.submission", reference=sub.reference), code=303)
            check = reevaluate(sub, _settings())  # someone saved it meanwhile: compare again
        stale = True
    page = render_template("staff/reevaluate.html", sub=sub, check=check, stale=stale,
                           current_rulebook=RULEBOOK_VERSION)
    audit.record("re_evaluate", current_user.id, sub.id,
                 f"rulebook {check.stored_version} -> {check.result.rulebook_version}; "
                 f"{'changes' if check.changes else 'no change'}")
    db.session.commit()
    return page


@bp.route("/rules")
def rules():
    by_severity = [(severity, [r for r in RULES if r.severity == severity])
                   for severity in SEVERITIES]
    return render_template("staff/rules.html", by_severity=by_severity, sources=SOURCES,
                           count=len(RULES), settings=_settings().as_dict())


@bp.errorhandler(CSRFError)
def form_expired(error: CSRFError):
    """A staff form sent without a valid token (it expired, or came from elsewhere): nothing is
    saved; a typed note is shown again so that it is not lost."""
    note = request.form.get("body", "") if request.endpoint == "staff.add_note_view" else ""
    return render_template("staff/expired.html", note=note[:MAX_NOTE_LENGTH]), 400
