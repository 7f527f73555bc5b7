"""`kefu bench chat|assist ...`: run a benchmark from the project's bench/ folder (not an installed package)."""

import argparse
import importlib.util
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import kefu

BENCH_DIR = Path(kefu.__file__).resolve().parents[1] / "bench"
BENCHMARKS = {
    "chat": "chat.py",  # live chat over real WebSockets against a running server
    "assist": "assist.py",  # the assistant pipeline per customer message
}


def bench_module(name: str):
    """Load bench/<name>.py by its path; None when the file is not there."""
    path = BENCH_DIR / BENCHMARKS[name]
    if not path.exists():
        return None
    if str(BENCH_DIR.parent) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR.parent))  # the benchmarks share bench/results.py
    spec = importlib.util.spec_from_file_location(f"kefu_bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class Command(BaseCommand):
    help = gettext_lazy("Run a benchmark: `kefu bench chat --help` or `kefu bench assist --help`.")

    def add_arguments(self, parser):
        parser.add_argument("benchmark", choices=sorted(BENCHMARKS), help=gettext_lazy("which benchmark to run"))
        parser.add_argument("options", nargs=argparse.REMAINDER, help=gettext_lazy("the benchmark's own options"))

    def handle(self, *args, benchmark: str, options: list[str], **rest):
        module = bench_module(benchmark)
        if module is None:
            raise CommandError(_("The %(name)s benchmark is not available: %(path)s is missing.") % {"name": benchmark, "path": BENCH_DIR / BENCHMARKS[benchmark]})
        try:
            module.main(options)
        except SystemExit as exit_:
            if exit_.code not in (None, 0):
                raise CommandError(str(exit_.code)) from None
