"""Timers of live chat (thin: take ids, call one service, idempotent)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .services import conversions_detect_recent, holding_send_if_unanswered, message_analyse, presence_sweep


@db_task(retries=2, retry_delay=2)
def message_analyse_task(message_id: int) -> None:
    message_analyse(message_id=message_id)


@db_task(retries=2, retry_delay=5)
def conversation_holding_check(conversation_id: int, waiting_since: str) -> None:
    holding_send_if_unanswered(conversation_id=conversation_id, waiting_since=waiting_since)


@db_periodic_task(crontab(minute="*"))
def agents_presence_sweep() -> None:
    presence_sweep()


@db_periodic_task(crontab(minute="*/5"))
def conversions_detect_periodic() -> None:
    conversions_detect_recent()
