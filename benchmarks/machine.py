"""How busy the shared machine was while something was measured: the CPU time that processes
other than the benchmark's own (the load generator, gunicorn and its workers, Chromium, and the
PostgreSQL backends of the benchmark's database) used meanwhile, in cores."""

from __future__ import annotations

import os
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[float, int, str]]:
    """pid -> (CPU seconds used so far, parent pid, command line)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        found[int(entry.name)] = ((int(fields[11]) + int(fields[12])) / TICKS, int(fields[1]),
                                  cmdline)
    return found


def _ours(processes: dict, pid: int, marker: str) -> bool:
    """The benchmark itself, anything it started, and backends serving its database."""
    if marker and marker in processes[pid][2]:
        return True
    seen = 0
    while pid > 1 and seen < 50:
        if pid == os.getpid():
            return True
        pid = processes.get(pid, (0, 1, ""))[1]
        seen += 1
    return False


class OtherLoad:
    """Start it before a measurement, read `cores` after: the CPU the rest of the machine
    used meanwhile (2.0 = both cores of a 2-core machine busy with other work)."""

    def __init__(self, marker: str = "") -> None:
        self.marker = marker
        self.started = time.monotonic()
        self.before = _processes()

    @property
    def cores(self) -> float:
        after = _processes()
        elapsed = time.monotonic() - self.started
        used = 0.0
        for pid, (cpu, _, _) in after.items():
            if _ours(after, pid, self.marker):
                continue
            used += cpu - self.before[pid][0] if pid in self.before else cpu
        return used / max(elapsed, 1e-9)
