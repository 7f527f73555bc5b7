"""Scale-out wiring: PostgreSQL, the Redis channel layer across processes, Huey on Redis."""

import asyncio
import os
import subprocess
import sys
import time
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.test import Client
from huey import RedisHuey
from huey.constants import EmptyData

from kefu.web.health import HEARTBEAT_KEY

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SENDER = """
import asyncio, os, sys, django
django.setup()
from channels.layers import get_channel_layer
async def main():
    await get_channel_layer().group_send(sys.argv[1], {"type": "chat.message", "body": sys.argv[2]})
asyncio.run(main())
"""


@pytest.mark.django_db
def test_healthz_reports_postgres_and_redis_backends():
    body = Client().get("/healthz").json()

    assert connection.vendor == "postgresql"
    assert body["status"] == "ok"
    assert body["checks"]["database"]["vendor"] == "postgresql"
    assert body["checks"]["channel_layer"]["backend"] == "RedisPubSubChannelLayer"
    assert body["checks"]["task_queue"]["backend"] == "RedisHuey"


def test_group_message_crosses_processes_through_redis():
    """A message published by another process reaches a consumer group here: two nodes, one chat."""
    layer = get_channel_layer()
    group = f"conversation.{uuid.uuid4().hex[:12]}"
    body = "你好，我的快递到哪了？"

    async def exchange():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kefu.settings"}
        proc = subprocess.run([sys.executable, "-c", SENDER, group, body], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        message = await asyncio.wait_for(layer.receive(channel), timeout=10)
        await layer.group_discard(group, channel)
        await layer.flush()
        return message

    message = async_to_sync(exchange)()

    assert message == {"type": "chat.message", "body": body}


def test_worker_consumes_from_redis():
    """A `kefu worker` process on Redis picks up work: its heartbeat appears in the shared storage."""
    queue = RedisHuey(settings.HUEY["name"], url=settings.REDIS_URL)  # the shared queue, not the tests' inline one
    queue.storage.delete_data(HEARTBEAT_KEY)
    worker = subprocess.Popen([sys.executable, "-m", "kefu.cli", "worker"], cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "kefu.settings"}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        seen = EmptyData
        for _ in range(60):
            seen = queue.storage.peek_data(HEARTBEAT_KEY)
            if seen is not EmptyData:
                break
            time.sleep(0.5)
        assert seen is not EmptyData, "the worker wrote no heartbeat: " + (worker.poll() is not None and worker.stderr.read()[-2000:] or "still running")
        assert abs(time.time() - float(seen.decode())) < 60
    finally:
        worker.terminate()
        worker.wait(timeout=20)
