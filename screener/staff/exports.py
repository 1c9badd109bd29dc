"""The consult summary (print view and PDF) and the exports: CSV of the filtered queue, the form
as a FHIR Questionnaire, one submission as a FHIR Bundle. Staff and admins alike (the blueprint's
`require_staff` checks the log-in); every view of a person's data is audit-logged before it is
sent. Downloads are named after the reference, never a person, and are never cached."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, render_template, request, stream_with_context
from flask_login import current_user
from sqlalchemy import func, select

from ..exports.fhir import questionnaire_resource, submission_bundle, to_json
from ..exports.pdf import read_stylesheet, render_pdf
from ..exports.table import csv_lines
from ..extensions import db
from ..models import Submission, utcnow
from . import audit, bp
from .queue import MAX_SEARCH_LENGTH, QueueFilters, by_reference, matching
from .routes import staff_time
from .summary import build_summary, page_css, paper_of

DEFAULT_PAPER = os.environ.get("SUMMARY_PAPER", "letter")  # "a4" or "letter"
CSV_COLUMNS = (
    Submission.reference, Submission.created_at, Submission.status, Submission.language,
    Submission.highest_severity, Submission.urgent, Submission.flag_count, Submission.flags,
    Submission.conditions, Submission.scores, Submission.rulebook_version,
)
FHIR_JSON = "application/fhir+json"


def _submission(reference: str) -> Submission:
    return by_reference(reference) or abort(404)


def _paper(value: str | None) -> str:
    return paper_of(value, current_app.config.get("SUMMARY_PAPER", DEFAULT_PAPER))


def _download(body: bytes | Iterable[str], content_type: str, filename: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the consult summary ---------------------------------------------------------------------

@bp.route("/submissions/<reference>/summary")
def summary(reference: str):
    """The print view: one click from the submission page, designed for paper."""
    sub = _submission(reference)
    paper = _paper(request.args.get("paper"))
    page = render_template("print/summary.html", s=build_summary(sub), sub=sub, paper=paper,
                           pdf=False)
    audit.record("print", current_user.id, sub.id, f"summary, paper {paper}")
    db.session.commit()
    return page


@bp.route("/submissions/<reference>/summary-page.css")
def summary_page_css(reference: str):
    """The paper size and running header of one summary (they name the person)."""
    sub = _submission(reference)
    paper = _paper(request.args.get("paper"))
    css = _page_css(sub, paper)
    audit.record("print_stylesheet", current_user.id, sub.id, f"summary header, paper {paper}")
    db.session.commit()
    return Response(css, content_type="text/css; charset=utf-8")


def _page_css(sub: Submission, paper: str) -> str:
    return page_css(sub, paper, received=staff_time(sub.created_at),
                    printed=staff_time(utcnow()), printed_by=current_user.email)


@bp.route("/submissions/<reference>/summary.pdf", methods=["POST"])
def summary_pdf(reference: str):
    """The same summary as a PDF (CSRF-checked POST: a download is an export)."""
    sub = _submission(reference)
    paper = _paper(request.form.get("paper"))
    html = render_template("print/summary.html", s=build_summary(sub), sub=sub, paper=paper,
                           pdf=True)
    pdf = render_pdf(html, [read_stylesheet(current_app.static_folder, "summary.css"),
                            _page_css(sub, paper)])
    audit.record("pdf", current_user.id, sub.id, f"summary PDF, paper {paper}")
    db.session.commit()
    return _download(pdf, "application/pdf", f"summary-{sub.reference}.pdf")


# --- FHIR R4 ---------------------------------------------------------------------------------

@bp.route("/fhir/Questionnaire")
def fhir_questionnaire():
    """The form itself (no one's data): generated from the question definitions."""
    return _download(to_json(questionnaire_resource()), FHIR_JSON,
                     "questionnaire-ketamine-prescreen.json")


@bp.route("/submissions/<reference>/fhir", methods=["POST"])
def fhir_bundle(reference: str):
    """One submission as a Bundle: Patient, QuestionnaireResponse, one Flag per flag."""
    sub = _submission(reference)
    body = to_json(submission_bundle(sub))
    audit.record("export_fhir", current_user.id, sub.id, "FHIR R4 Bundle")
    db.session.commit()
    return _download(body, FHIR_JSON, f"submission-{sub.reference}.fhir.json")


# --- CSV of the queue ------------------------------------------------------------------------

@bp.route("/export.csv", methods=["POST"])
def export_csv():
    """Every submission matching the queue's filters (and search, sent in the form, never in
    the URL), in queue order, streamed. Audited with the row count before the first byte."""
    zone = ZoneInfo(current_app.config["CLINIC_TIMEZONE"])
    filters = QueueFilters.from_args(request.form)
    term = " ".join((request.form.get("q") or "").split())[:MAX_SEARCH_LENGTH]
    where = matching(filters, term, zone, current_user.id, datetime.now(zone).date())
    count = db.session.scalar(select(func.count()).select_from(Submission).where(*where))
    described = ", ".join(f"{k}={v if isinstance(v, str) else '+'.join(v)}"
                          for k, v in filters.as_args().items()) or "no filters"
    audit.record("export_csv", current_user.id,
                 detail=f"{count} rows; {described}{'; with a search' if term else ''}")
    db.session.commit()
    query = (select(*CSV_COLUMNS).where(*where)
             .order_by(Submission.queue_rank, Submission.created_at, Submission.id)
             .execution_options(yield_per=500))
    day = datetime.now(zone).date().isoformat()
    return _download(stream_with_context(_streamed(query, zone)), "text/csv; charset=utf-8",
                     f"submissions-{day}.csv")


def _streamed(query, zone: ZoneInfo) -> Iterator[str]:
    yield from csv_lines(db.session.execute(query), zone)
