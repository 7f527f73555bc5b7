"""Group commit: the chat messages of many sockets stored in one trip to the database thread.

Channels runs all database work of a server process on one thread, one call at a time. Each
call costs a hop between the event loop and that thread, and on SQLite each transaction its
own commit. Messages that arrive together are stored together here: the sockets' jobs wait
in one list, and one call to the database thread runs every job waiting (at most
``MAX_JOBS``) in one transaction on SQLite, each job in its own savepoint (the services open
one), so a job that fails changes nothing and the others go on. Everything the jobs send
goes out after that commit (``transaction.on_commit``), and a socket acknowledges a message
only once its job's batch has committed: durability is that of one message per transaction.

PostgreSQL runs the jobs of a batch one transaction each (several server processes locking
conversations in different orders inside one transaction could deadlock), still in one trip
to the thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from django.db import connection, transaction

logger = logging.getLogger(__name__)
MAX_JOBS = 64


def _run_one(job: Callable[[], Any]) -> tuple[bool, Any]:
    try:
        return True, job()
    except Exception as error:  # handed to the caller's await
        return False, error


def jobs_run(jobs: list[Callable[[], Any]]) -> list[tuple[bool, Any]]:
    """Run the jobs in order (on the database thread); return (ok, result or exception) for each."""
    if len(jobs) == 1 or connection.vendor != "sqlite":
        return [_run_one(job) for job in jobs]
    committed: list[bool] = []
    results: list[tuple[bool, Any]] = []
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(True))  # runs first: the batch is stored
            results = [_run_one(job) for job in jobs]
    except Exception:
        if committed:  # an after-commit callback failed: the messages are stored, running them again would double them
            logger.exception("An after-commit reaction of a batch of %s chat jobs failed", len(jobs))
            return results
        logger.exception("A batch of %s chat jobs failed to commit; running them one by one", len(jobs))  # nothing is stored
        return [_run_one(job) for job in jobs]
    return results


class Batcher:
    """Collect jobs from every socket of this event loop and run them in batches, in the order they came."""

    def __init__(self) -> None:
        self.waiting: list[tuple[Callable[[], Any], asyncio.Future]] = []
        self.draining = False

    def submit(self, job: Callable[[], Any]) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.append((job, future))
        if not self.draining:
            self.draining = True
            loop.create_task(self._drain())
        return future

    async def _drain(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting[:MAX_JOBS], self.waiting[MAX_JOBS:]
                try:
                    results = await database_sync_to_async(jobs_run)([job for job, _future in batch])
                except Exception as error:  # the trip itself failed (connection lost): every job of it fails
                    results = [(False, error)] * len(batch)
                for (_job, future), (ok, value) in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        finally:
            self.draining = False


_batchers: dict[asyncio.AbstractEventLoop, Batcher] = {}


def batch_run(job: Callable[[], Any]) -> asyncio.Future:
    """Queue a synchronous database job for this event loop's next batch; await the returned future for its result."""
    loop = asyncio.get_running_loop()
    batcher = _batchers.get(loop)
    if batcher is None:
        for old in [old for old in _batchers if old.is_closed()]:
            del _batchers[old]
        batcher = _batchers[loop] = Batcher()
    return batcher.submit(job)
