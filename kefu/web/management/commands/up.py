"""`kefu up` (what `make run` calls): migrate, load the demo once, start worker and server."""

import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Command(BaseCommand):
    help = gettext_lazy("Set up and start the whole product: database, demo shop, task worker and server.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help=gettext_lazy("Do not load the demo shop."))

    def handle(self, *args, host: str, port: int, no_demo: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(_("Database ready."))
        if not no_demo:
            call_command("demo", stdout=self.stdout)
        worker = subprocess.Popen([sys.executable, "-m", "kefu.cli", "worker"])
        shown_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
        self.stdout.write(self.style.SUCCESS(_("Kefu is starting at http://%(host)s:%(port)s/") % {"host": shown_host, "port": port}))
        self.stdout.write(_("Workbench: http://%(host)s:%(port)s/   Admin: /admin/   API docs: /api/docs   Health: /healthz") % {"host": shown_host, "port": port})
        self.stdout.write(
            _("Customer chat: http://%(host)s:%(port)s/chat/demo-web/ (agents answer)   http://%(host)s:%(port)s/chat/demo-shop/ (the answer bot first)")
            % {"host": shown_host, "port": port}
        )
        # A process manager stops us with SIGTERM: uvicorn shuts down gracefully, then raises the signal
        # again, and Python's default handler would end the process before the worker is stopped below.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        try:
            call_command("serve", host=host, port=port)
        finally:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)
