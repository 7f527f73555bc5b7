"""`kefu worker`: a Huey consumer that runs background and periodic tasks."""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy as _


class Command(BaseCommand):
    help = _("Start a task consumer (Huey).")

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, workers: int, **options):
        from kefu.events import outbox_writer_enable

        outbox_writer_enable()  # embedded setup: the server relays this worker's events
        call_command("run_huey", workers=workers, worker_type="thread")
