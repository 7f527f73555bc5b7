"""`kefu serve`: the ASGI server (uvicorn) for HTTP and WebSockets."""

import gc
import os

import uvicorn
from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy as _


class Command(BaseCommand):
    help = _("Start the ASGI server (HTTP and WebSockets).")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))

    def handle(self, *args, host: str, port: int, workers: int, **options):
        _gc_tune()
        uvicorn.run(
            "kefu.asgi:application",
            host=host,
            port=port,
            workers=workers,
            lifespan="off",
            proxy_headers=True,
            forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
            log_level=os.environ.get("LOG_LEVEL", "info").lower(),
            ws_max_size=1024 * 1024,
            # chat frames are a few hundred bytes: compressing each costs CPU and a zlib context per socket for little gain
            ws_per_message_deflate=False,
        )


def _gc_tune() -> None:
    """Keep the garbage collector's full passes off the chat's latency.

    Under chat load the default thresholds ran a full collection every few seconds, each
    scanning everything the process holds (Django, the app, a thousand sockets) for 50-600 ms
    while no socket moved (bench/RESULTS.md). The objects loaded at start-up never become
    garbage: freeze them out of the scans, and collect the young generations less often.
    """
    import kefu.asgi  # noqa: F401  # the application, loaded before freezing (uvicorn then finds it imported)

    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 50)
