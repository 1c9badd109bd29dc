"""Mail to the person, when the clinic has mail (SMTP_URL, set up by screener.alerts): a link to
go on with their answers, and a confirmation with the reference. Neither holds an answer, a
flag or a score; both are written in the person's language."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app
from flask_babel import gettext

from ..alerts.delivery import DeliveryError, send_mail, smtp_server
from ..models import utcnow

__all__ = ["DeliveryError", "confirmation_text", "mail_configured", "resume_link_text",
           "send_to_person"]


def mail_configured() -> bool:
    return bool(current_app.config.get("SMTP_URL"))


def send_to_person(to: str, subject: str, body: str) -> None:
    """Send one message now; DeliveryError when the mail server refuses or cannot be reached."""
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = to
    email["Subject"] = subject
    email["Date"] = format_datetime(utcnow())
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(body)
    send_mail(email, smtp_server(config["SMTP_URL"]), timeout=10)


def resume_link_text(link: str) -> tuple[str, str]:
    clinic = current_app.config["CLINIC_NAME"]
    days = current_app.config["DRAFT_LIFETIME_DAYS"]
    subject = gettext("Continue your pre-screen with %(clinic)s", clinic=clinic)
    body = "\n\n".join([
        gettext("You asked for a link to go on with your pre-screen with %(clinic)s. Open it "
                "on any device:", clinic=clinic),
        link,
        gettext("The link works once. It stops working after %(days)s days, or when your "
                "answers are sent.", days=days),
        gettext("If you did not ask for this, you can ignore this email."),
    ])
    return subject, body


def confirmation_text(reference: str) -> tuple[str, str]:
    config = current_app.config
    clinic = config["CLINIC_NAME"]
    subject = gettext("Your pre-screen reached %(clinic)s", clinic=clinic)
    body = "\n\n".join([
        gettext("Your answers reached %(clinic)s. Your reference is %(reference)s.",
                clinic=clinic, reference=reference),
        gettext("What happens next"),
        "1. " + gettext("A member of the intake team reads your answers, usually within 2 "
                        "working days."),
        "2. " + gettext("They contact you the way you asked, to talk things through and answer "
                        "your questions."),
        "3. " + gettext("If it makes sense for you, they book a consultation with a provider, "
                        "who decides with you what is right for you."),
        gettext("This is not a diagnosis. This pre-screen does not decide about treatment."),
        gettext("Questions? Contact %(name)s: %(phone)s or %(email)s.", name=clinic,
                phone=config["CLINIC_PHONE"], email=config["CLINIC_EMAIL"]),
    ])
    return subject, body
