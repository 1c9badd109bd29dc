"""gunicorn's access log without secrets: the emailed resume link (/resume/<code>) carries a
resume code, which opens a person's answers, so it is written as /resume/[code] wherever the
log would show it (the request line, the path, and the Referer of the page that follows)."""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

RESUME_LINK = re.compile(r"/resume/[^/?#\s\"]+")
HIDDEN = "/resume/[code]"


def redact(text: Any) -> Any:
    return RESUME_LINK.sub(HIDDEN, text) if isinstance(text, str) else text


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: redact(value) for name, value in atoms.items()}
