"""Every audit action the app can write is explained in docs/audit-log.md (an admin reading the
log looks there), and the page names no action the app does not have."""

from __future__ import annotations

import re
from pathlib import Path

from screener.staff.audit import ACTIONS

DOC = Path(__file__).resolve().parent.parent / "docs" / "audit-log.md"


def test_the_audit_log_page_lists_every_action_and_only_those():
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("| area | actions |"):text.index("A row holds")]
    documented = set(re.findall(r"`([a-z_]+)`", table))
    assert set(ACTIONS) - documented == set()
    # Outcomes and details named in the table are not actions.
    assert documented - set(ACTIONS) <= {"refused", "conflict"}
