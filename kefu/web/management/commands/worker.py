"""`kefu worker`: a Huey consumer that runs background and periodic tasks."""

import logging
import threading

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
        threading.Thread(target=_assistant_warm, name="assistant-warm", daemon=True).start()
        self.stdout.write(_("Task worker started: %(workers)s threads.") % {"workers": workers})
        call_command("run_huey", workers=workers, worker_type="thread")


def _assistant_warm() -> None:
    """Load the assistant's models and index now, so the first customer message is read (and the bot answers) at once."""
    from django.db import close_old_connections

    from kefu.assist.emotion import emotion
    from kefu.assist.intent import intent
    from kefu.knowledge.assist_index import guard_build, knowledge_base_build

    try:
        emotion("你好")
        intent("你好")
        knowledge_base_build().faq.search("你好")
        guard_build()
    except Exception:  # a database not migrated yet: the first task builds them instead
        logging.getLogger(__name__).warning("The assistant could not be loaded ahead of the first message", exc_info=True)
    finally:
        close_old_connections()
