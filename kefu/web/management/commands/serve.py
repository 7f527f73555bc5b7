"""`kefu serve`: the ASGI server (uvicorn) for HTTP and WebSockets."""

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
        )
