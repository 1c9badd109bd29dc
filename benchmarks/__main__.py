"""Run the benchmarks and write docs/performance.md. Never part of `make test`.

Machines are noisy, so each figure is the median of several rounds, and each is reported next
to a floor measured in the same run (a trivial piece of work of the same shape)."""

from __future__ import annotations

import json
import platform
import statistics
import sys
import timeit
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PERSONAS = ROOT.parent / "shared" / "design" / "personas.json"


def median_seconds(call, number: int, rounds: int = 9) -> float:
    call()  # warm up
    return statistics.median(timeit.repeat(call, number=number, repeat=rounds)) / number


def bench_rules() -> dict:
    from screener.rules import evaluate

    personas = json.loads(PERSONAS.read_text()) if PERSONAS.exists() else []
    complete = max((p["answers"] for p in personas), key=len)
    as_of = date(2026, 1, 15)
    rules = median_seconds(lambda: evaluate(complete, as_of=as_of), number=2000)
    floor = median_seconds(lambda: json.loads(json.dumps(complete)), number=2000)
    return {"evaluate_ms": rules * 1000, "floor_ms": floor * 1000, "ratio": rules / floor}


def write_report(results: dict) -> str:
    rules = results["rules"]
    verdict = "meets" if rules["evaluate_ms"] <= 0.1 else "MISSES"
    lines = [
        "# Performance",
        "",
        "Written by `make bench` (benchmarks/). Figures are medians of 9 rounds on "
        f"{platform.machine()} with Python {platform.python_version()}; every figure is "
        "reported with a floor measured in the same run.",
        "",
        "## Rules: `evaluate()` on one complete submission",
        "",
        "| measure | median | target |",
        "|---|---|---|",
        f"| `evaluate()` | {rules['evaluate_ms']:.3f} ms | at most 0.1 ms ({verdict}) |",
        f"| floor: JSON round trip of the same answers | {rules['floor_ms']:.3f} ms | |",
        f"| ratio to floor | {rules['ratio']:.1f}x | |",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    results = {"rules": bench_rules()}
    report = write_report(results)
    (ROOT / "docs" / "performance.md").write_text(report)
    print(report)
    return 0 if results["rules"]["evaluate_ms"] <= 0.1 else 1


if __name__ == "__main__":
    sys.exit(main())
