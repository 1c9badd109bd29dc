"""`python -m screener.rules list | evaluate FILE.json [--as-of DATE]`: the rulebook by hand.

The same commands are available as `flask rules list|evaluate`.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from . import RULEBOOK_VERSION, RULES, evaluate


def print_rulebook(out: TextIO) -> None:
    out.write(f"Rulebook {RULEBOOK_VERSION}: {len(RULES)} rules\n")
    for rule in RULES:
        out.write(f"\n{rule.id}  [{rule.severity}]\n")
        out.write(f"  trigger: {rule.trigger}\n")
        out.write(f"  patient: {rule.patient_text}\n")
        out.write(f"  staff:   {rule.staff_text}\n")
        out.write(f"  sources: {', '.join(rule.sources)}\n")


def print_evaluation(answers: Any, as_of: date, out: TextIO) -> None:
    result = evaluate(answers, as_of=as_of)
    out.write(f"Rulebook {result.rulebook_version}, as of {as_of.isoformat()}\n\nScores\n")
    for key, value in result.scores.items():
        out.write(f"  {key:26} {'-' if value is None else value}\n")
    out.write(f"\nFlags ({len(result.flags)})\n")
    for flag in result.flags:
        out.write(f"  {flag.severity:16} {flag.rule_id:28} because: {', '.join(flag.because)}\n")
    if not result.flags:
        out.write("  none\n")
    out.write(f"\ncrisis: {'yes' if result.crisis else 'no'}\n")
    missing = ", ".join(result.missing_safety) or "none"
    out.write(f"unanswered safety questions: {missing}\n")


def load_answers(path: Path) -> Any:
    """An answers file: either the answers mapping itself or a persona-like {"answers": ...}."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and isinstance(data.get("answers"), dict):
        return data["answers"]
    return data


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="python -m screener.rules", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="print the rulebook")
    run = commands.add_parser("evaluate", help="print scores and flags for an answers file")
    run.add_argument("file", type=Path)
    run.add_argument("--as-of", type=date.fromisoformat, default=None,
                     help="date for age (YYYY-MM-DD); default today")
    args = parser.parse_args(argv)
    if args.command == "list":
        print_rulebook(out)
        return 0
    try:
        answers = load_answers(args.file)
    except (OSError, ValueError) as error:
        parser.exit(2, f"cannot read {args.file}: {error}\n")
    print_evaluation(answers, args.as_of or date.today(), out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
