"""Background work of after-sales (thin: take ids, call one service, idempotent)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task(retries=3, retry_delay=60)
def notification_emails_send(notification_ids: list[int]) -> int:
    from .notifications import notification_emails_send as send

    return send(notification_ids=notification_ids)


@db_periodic_task(crontab(minute="*"))
def sla_check_periodic() -> dict[str, int]:
    from .sla import sla_check_all

    return sla_check_all()


@db_periodic_task(crontab(minute="*"))
def follow_ups_send_periodic() -> dict[str, int]:
    from .followups import follow_ups_process

    return follow_ups_process()


@db_periodic_task(crontab(minute="*/5"))
def incidents_detect_periodic() -> list[int]:
    from .incidents import incidents_detect

    return [incident.pk for incident in incidents_detect()]
