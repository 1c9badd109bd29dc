"""The patient side: the questionnaire flow, the help page, resume codes, submit."""

import os

from flask import Blueprint

from ..questionnaire.units import UNITS

bp = Blueprint("patient", __name__)


@bp.record_once
def _defaults(state) -> None:
    """MEASUREMENT_UNITS: how a height and weight are typed, `us` (the default) or `metric`."""
    units = state.app.config.setdefault("MEASUREMENT_UNITS",
                                        os.environ.get("MEASUREMENT_UNITS", "us"))
    if units not in UNITS:
        raise ValueError(f"MEASUREMENT_UNITS must be one of {', '.join(UNITS)}, not {units!r}")
    # Emailing the link to continue (only with SMTP_URL): per address of the person asking.
    state.app.config.setdefault("RATELIMIT_RESUME_EMAIL",
                                os.environ.get("RATELIMIT_RESUME_EMAIL", "5 per hour"))

from . import routes  # noqa: E402, F401  (routes attach themselves to bp)
