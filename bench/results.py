"""What every benchmark shares: the machine it ran on and its section of bench/RESULTS.md."""

from __future__ import annotations

import contextlib
import platform
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"


def cpu_model() -> str:
    """Return the processor's marketing name, read from /proc/cpuinfo where there is one."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def section_write(name: str, text: str) -> None:
    """Write (or replace in place) the section `name` of bench/RESULTS.md, leaving the others as they are."""
    start, end = f"<!-- bench.{name}:start -->", f"<!-- bench.{name}:end -->"
    section = f"{start}\n{text.rstrip()}\n{end}\n"
    existing = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if start in existing and end in existing:
        before, rest = existing.split(start, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        updated = before + section + ("\n" + after if after else "")
    else:
        updated = existing.rstrip() + "\n\n" + section
    RESULTS.write_text(updated, encoding="utf-8")
