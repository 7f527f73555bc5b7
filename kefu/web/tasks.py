"""Periodic housekeeping of the web process: the worker's heartbeat for /healthz."""

from huey import crontab
from huey.contrib.djhuey import HUEY, periodic_task

from .health import worker_heartbeat_write


@HUEY.on_startup()
def heartbeat_on_startup() -> None:
    worker_heartbeat_write()


@periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    worker_heartbeat_write()
