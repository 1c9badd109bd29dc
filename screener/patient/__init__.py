"""The patient side: the questionnaire flow, the help page, resume codes, submit."""

from flask import Blueprint

bp = Blueprint("patient", __name__)

from . import routes  # noqa: E402, F401  (routes attach themselves to bp)
