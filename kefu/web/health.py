"""GET /healthz: the state of the database, the channel layer and the task queue.

200 when all three answer, 503 otherwise; the worker's last heartbeat is reported too,
so an operator sees a queue that nobody consumes.
"""

import time
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse
from huey.constants import EmptyData
from huey.contrib.djhuey import HUEY

HEARTBEAT_KEY = "kefu:worker-heartbeat"
HEARTBEAT_STALE_SECONDS = 150


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "up", "vendor": connection.vendor}


async def _check_channel_layer() -> dict:
    layer = get_channel_layer()
    channel = await layer.new_channel("healthz.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz.ping", "token": token})
    message = await layer.receive(channel)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned another message")
    return {"status": "up", "backend": type(layer).__name__}


def _check_task_queue() -> dict:
    pending = HUEY.pending_count()
    raw = HUEY.storage.peek_data(HEARTBEAT_KEY)
    worker: dict = {"status": "unknown"}
    if raw is not EmptyData and raw is not None:
        try:
            seen = float(raw.decode() if isinstance(raw, bytes) else raw)
            age = max(0.0, time.time() - seen)
            worker = {"status": "up" if age < HEARTBEAT_STALE_SECONDS else "stale", "last_seen_seconds_ago": round(age, 1)}
        except (TypeError, ValueError):
            pass
    return {"status": "up", "backend": type(HUEY).__name__, "pending": pending, "immediate": HUEY.immediate, "worker": worker}


def worker_heartbeat_write() -> None:
    """Record that a consumer is alive; called by the worker at start and every minute."""
    HUEY.storage.put_data(HEARTBEAT_KEY, str(time.time()).encode())


async def _run(check, *, is_async: bool = False) -> dict:
    try:
        return await check() if is_async else await sync_to_async(check, thread_sensitive=True)()
    except Exception as exc:  # noqa: BLE001 - any failure is a "down" state to report
        return {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}


async def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": await _run(_check_database),
        "channel_layer": await _run(_check_channel_layer, is_async=True),
        "task_queue": await _run(_check_task_queue),
    }
    healthy = all(c["status"] == "up" for c in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
