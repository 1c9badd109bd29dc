"""The patient side: the questionnaire flow, the help page, resume codes, submit."""

from flask import Blueprint

bp = Blueprint("patient", __name__)

from . import routes  # noqa: E402, F401  (routes attach themselves to bp)


@bp.record_once
def _template_globals(state) -> None:
    """Step pages by key, for the cached fragments of a step page (templates/fragments/)."""
    from .flow import PAGE_BY_KEY

    state.app.jinja_env.globals["step_pages"] = PAGE_BY_KEY
