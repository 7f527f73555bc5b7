"""SLA clocks on the business calendar: policies, due dates, pauses, warnings and breaches, once each."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu import reactions
from kefu.demo.loader.tickets_settings import tickets_settings_load
from kefu.tickets import services
from kefu.tickets.enums import TicketPriority, TicketStatus, TicketType
from kefu.tickets.models import (
    BusinessCalendar,
    Notification,
    NotificationKind,
    SlaClock,
    SlaPolicy,
    SlaState,
    Ticket,
)
from kefu.tickets.sla import (
    calendar_build,
    sla_check_all,
    sla_pause,
    sla_policy_for,
    sla_resolve,
    sla_resume,
    sla_start,
    sla_state_for,
    tickets_filter_sla_state,
    tickets_with_sla,
)
from kefu.tickets.tasks import sla_check_periodic
from tests.factories import customer_factory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def shop_settings(db):
    """Load the demo's calendar (Mon-Fri 09:00-18:00, 2026-2027 holidays) and the four priority policies."""
    tickets_settings_load()
    return BusinessCalendar.objects.get()


@pytest.fixture
def wired(monkeypatch):
    """Register the SLA reactions as kefu.reactions will list them."""
    monkeypatch.setitem(reactions.REACTIONS, "ticket.created", ["kefu.tickets.sla.on_ticket_created"])
    monkeypatch.setitem(reactions.REACTIONS, "ticket.transitioned", ["kefu.tickets.sla.on_ticket_transitioned"])
    monkeypatch.setitem(reactions.REACTIONS, "ticket.updated", ["kefu.tickets.sla.on_ticket_updated"])


def new_ticket(*, created_at: dt.datetime, priority=TicketPriority.NORMAL, type=TicketType.WRONG_OR_MISSING, **extra) -> Ticket:  # noqa: A002
    return services.ticket_create(
        actor=None, customer=customer_factory(), type=type, priority=priority, created_at=created_at, **extra
    )


# --- policies and due dates ---------------------------------------------------------------------


def test_the_demo_loads_its_settings_once(shop_settings):
    assert SlaPolicy.objects.count() == 4
    again = tickets_settings_load()
    assert again == {"calendars": 0, "holidays": 0, "sla_policies": 0}
    calendar = calendar_build(shop_settings)
    assert dt.date(2026, 10, 1) in calendar.holidays
    assert dt.date(2026, 9, 20) in calendar.makeup_days  # a Sunday worked before National Day


def test_the_most_specific_policy_wins(shop_settings):
    specific = SlaPolicy.objects.create(
        name="配货错漏加急", priority=TicketPriority.HIGH, ticket_type=TicketType.WRONG_OR_MISSING,
        first_response_minutes=15, resolution_minutes=120, calendar=shop_settings,
    )  # fmt: skip
    wrong_item = new_ticket(created_at=at(2026, 3, 9, 9), priority=TicketPriority.HIGH)
    other = new_ticket(created_at=at(2026, 3, 9, 9), priority=TicketPriority.HIGH, type=TicketType.OTHER)
    assert sla_policy_for(ticket=wrong_item) == specific
    assert sla_policy_for(ticket=other).name.startswith("高优先级")
    specific.active = False
    specific.save()
    assert sla_policy_for(ticket=wrong_item).name.startswith("高优先级")
    SlaPolicy.objects.filter(priority=TicketPriority.HIGH).update(active=False)
    assert sla_policy_for(ticket=other) is None
    assert sla_start(ticket=other) is None


def test_due_dates_run_on_business_hours_across_the_weekend(shop_settings):
    # Friday 17:00, normal priority: 4 h to respond, 24 h to resolve, warnings at 80 %.
    clock = sla_start(ticket=new_ticket(created_at=at(2026, 3, 6, 17)))
    assert clock.first_response_due == at(2026, 3, 9, 12)  # 1 h Friday + 3 h Monday
    assert clock.first_response_warn_at == at(2026, 3, 9, 11, 12)  # 3 h 12 min
    assert clock.resolution_due == at(2026, 3, 11, 14)  # 1 + 9 + 9 + 5 h
    assert clock.state == SlaState.OK
    assert clock.next_check_at == clock.first_response_warn_at
    assert sla_start(ticket=clock.ticket).pk == clock.pk  # idempotent


def test_due_dates_skip_the_spring_festival_and_count_its_makeup_saturday(shop_settings):
    # Urgent, Friday 13 Feb 2026 17:00: 4 h resolution = 1 h Friday + 3 h on Saturday 14 Feb (worked).
    clock = sla_start(ticket=new_ticket(created_at=at(2026, 2, 13, 17), priority=TicketPriority.URGENT))
    assert clock.resolution_due == at(2026, 2, 14, 12)
    # Low, the same moment: 72 h = 1 h + 9 h (14 Feb) + then the holiday until Tuesday 24 Feb.
    low = sla_start(ticket=new_ticket(created_at=at(2026, 2, 13, 17), priority=TicketPriority.LOW))
    assert low.resolution_due == at(2026, 3, 3, 17)  # 24, 25, 26, 27 Feb, 28 (make-up), 2 Mar, then 7 h of 3 Mar


# --- pauses ---------------------------------------------------------------------------------------


def test_a_pause_moves_the_due_dates_by_the_business_time_it_lasted(shop_settings):
    ticket = new_ticket(created_at=at(2026, 3, 6, 17))
    sla_start(ticket=ticket)
    sla_pause(ticket=ticket, at=at(2026, 3, 9, 10))  # 2 h used
    paused = SlaClock.objects.get(ticket=ticket)
    assert paused.state == SlaState.PAUSED
    assert paused.next_check_at is None
    status = sla_state_for(ticket, now=at(2026, 3, 20, 9))
    assert status.state == SlaState.PAUSED
    assert status.remaining_seconds == 2 * 3600  # frozen while paused, however late it is
    assert status.used_percent == 50
    clock = sla_resume(ticket=ticket, at=at(2026, 3, 10, 10))  # paused 8 h Monday + 1 h Tuesday
    assert clock.paused_seconds == 9 * 3600
    assert clock.first_response_due == at(2026, 3, 10, 12)
    assert clock.resolution_due == at(2026, 3, 12, 14)  # moved by exactly 9 business hours
    assert clock.state == SlaState.OK


def test_a_pause_over_a_weekend_costs_nothing(shop_settings):
    ticket = new_ticket(created_at=at(2026, 3, 6, 9))
    before = sla_start(ticket=ticket).resolution_due
    sla_pause(ticket=ticket, at=at(2026, 3, 6, 18))
    after = sla_resume(ticket=ticket, at=at(2026, 3, 9, 9))
    assert after.paused_seconds == 0
    assert after.resolution_due == before


# --- through the ticket's own events ----------------------------------------------------------------


def test_the_clock_follows_the_workflow(shop_settings, wired, agent, presale_team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(
            actor=agent, customer=customer_factory(), type=TicketType.QUALITY, priority=TicketPriority.HIGH, team=presale_team, assignee=agent
        )
    clock = SlaClock.objects.get(ticket=ticket)
    assert clock.policy.priority == TicketPriority.HIGH
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_transition(ticket=ticket, to_status=TicketStatus.WAITING_CUSTOMER, actor=agent)
    clock.refresh_from_db()
    assert (clock.state, clock.paused_at is not None) == (SlaState.PAUSED, True)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_transition(ticket=ticket, to_status=TicketStatus.IN_PROGRESS, actor=agent)
    clock.refresh_from_db()
    assert clock.paused_at is None
    assert clock.state == SlaState.OK
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_comment_add(ticket=ticket, actor=agent, body="您好，请拍一张商品照片给我们看看。")
    clock.refresh_from_db()
    assert clock.first_response_met_at == Ticket.objects.get(pk=ticket.pk).first_response_at
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_transition(ticket=ticket, to_status=TicketStatus.RESOLVED, actor=agent)
    clock.refresh_from_db()
    assert clock.state == SlaState.MET
    assert clock.resolution_met_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_transition(ticket=ticket, to_status=TicketStatus.IN_PROGRESS, actor=agent)  # reopened
    clock.refresh_from_db()
    assert clock.resolution_met_at is None
    assert clock.state == SlaState.OK
    assert clock.next_check_at is not None


def test_a_priority_change_applies_the_new_policy(shop_settings, wired, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = new_ticket(created_at=at(2026, 3, 9, 9))
    assert SlaClock.objects.get(ticket=ticket).resolution_due == at(2026, 3, 11, 15)  # 24 h
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_update(ticket=ticket, actor=None, fields={"priority": TicketPriority.URGENT})
    clock = SlaClock.objects.get(ticket=ticket)
    assert clock.policy.priority == TicketPriority.URGENT
    assert clock.first_response_due == at(2026, 3, 9, 9, 30)
    assert clock.resolution_due == at(2026, 3, 9, 13)


# --- the periodic check -------------------------------------------------------------------------------


def test_warn_then_breach_each_once_to_the_assignee_and_the_team_lead(
    shop_settings, agent, supervisor, presale_team, django_capture_on_commit_callbacks
):
    agent.email = "xiaomei@demo-shop.example"
    agent.save()
    ticket = new_ticket(created_at=at(2026, 3, 9, 9), team=presale_team, assignee=agent)
    sla_start(ticket=ticket)  # first response due 13:00, warning at 12:12
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_check_all(now=at(2026, 3, 9, 12, 0)) == {"warning": 0, "breached": 0}
        assert sla_check_all(now=at(2026, 3, 9, 12, 13)) == {"warning": 1, "breached": 0}
        assert sla_check_all(now=at(2026, 3, 9, 12, 14)) == {"warning": 0, "breached": 0}
    warnings = Notification.objects.filter(kind=NotificationKind.SLA_WARNING)
    assert sorted(warnings.values_list("user__username", flat=True)) == ["agent", "supervisor"]
    assert ticket.number in warnings.first().title
    assert "47" in warnings.first().title  # 12:13 to 13:00: 47 business minutes left
    assert SlaClock.objects.get(ticket=ticket).state == SlaState.WARNING
    assert list(tickets_filter_sla_state(Ticket.objects.all(), "warning")) == [ticket]
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_check_all(now=at(2026, 3, 9, 13, 1)) == {"warning": 0, "breached": 1}
        assert sla_check_all(now=at(2026, 3, 9, 13, 2)) == {"warning": 0, "breached": 0}
    breaches = Notification.objects.filter(kind=NotificationKind.SLA_BREACHED)
    assert sorted(breaches.values_list("user__username", flat=True)) == ["agent", "supervisor"]
    clock = SlaClock.objects.get(ticket=ticket)
    assert clock.first_response_breached_at == at(2026, 3, 9, 13)
    assert clock.state == SlaState.BREACHED
    assert clock.next_check_at == clock.resolution_warn_at  # the resolution target still runs
    assert [message.to for message in mail.outbox] == [["xiaomei@demo-shop.example"]] * 2
    annotated = tickets_with_sla(Ticket.objects.filter(pk=ticket.pk)).get()
    assert (annotated.sla_state, annotated.sla_due) == (SlaState.BREACHED, at(2026, 3, 9, 13))


def test_a_paused_clock_neither_warns_nor_breaches(shop_settings, agent, presale_team):
    ticket = new_ticket(created_at=at(2026, 3, 9, 9), team=presale_team, assignee=agent)
    sla_start(ticket=ticket)
    sla_pause(ticket=ticket, at=at(2026, 3, 9, 10))
    assert sla_check_all(now=at(2026, 3, 20, 9)) == {"warning": 0, "breached": 0}
    assert Notification.objects.count() == 0


def test_an_unowned_ticket_alerts_the_supervisors(shop_settings, supervisor, django_capture_on_commit_callbacks):
    ticket = new_ticket(created_at=at(2026, 3, 9, 9))
    sla_start(ticket=ticket)
    with django_capture_on_commit_callbacks(execute=True):
        sla_check_all(now=at(2026, 3, 9, 13, 5))
    assert list(Notification.objects.values_list("user__username", "kind")) == [("supervisor", NotificationKind.SLA_BREACHED)]


def test_resolution_in_time_is_met_and_late_is_breached(shop_settings):
    on_time = new_ticket(created_at=at(2026, 3, 9, 9))
    late = new_ticket(created_at=at(2026, 3, 9, 9))
    for ticket in (on_time, late):
        sla_start(ticket=ticket)
    sla_resolve(ticket=on_time, at=at(2026, 3, 9, 11))
    sla_resolve(ticket=late, at=at(2026, 3, 12, 9))
    assert SlaClock.objects.get(ticket=on_time).state == SlaState.MET
    late_clock = SlaClock.objects.get(ticket=late)
    assert late_clock.state == SlaState.BREACHED
    assert late_clock.resolution_breached_at == at(2026, 3, 11, 15)
    # No reply before the resolution: the first response came with it, three days after 13:00 Monday.
    assert late_clock.first_response_breached_at == at(2026, 3, 9, 13)
    assert SlaClock.objects.get(ticket=on_time).first_response_breached_at is None


def test_the_periodic_task_runs_the_check(shop_settings):
    assert sla_check_periodic.call_local() == {"warning": 0, "breached": 0}


# --- property: pauses are exactly discounted -----------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    start_minute=st.integers(min_value=0, max_value=365 * 24 * 60),
    pauses=st.lists(st.tuples(st.integers(0, 3 * 24 * 60), st.integers(1, 6 * 24 * 60)), max_size=3),
)
def test_business_time_used_at_the_due_date_is_the_target_whatever_the_pauses(shop_settings, start_minute, pauses):
    start = at(2026, 1, 1) + dt.timedelta(minutes=start_minute)
    ticket = new_ticket(created_at=start)
    sla_start(ticket=ticket)
    calendar = calendar_build(shop_settings)
    windows, cursor = [], start
    for gap, length in pauses:
        pause_at = cursor + dt.timedelta(minutes=gap)
        if pause_at >= SlaClock.objects.get(ticket=ticket).resolution_due:
            break  # a pause after the due date comes too late to matter
        resume_at = pause_at + dt.timedelta(minutes=length)
        sla_pause(ticket=ticket, at=pause_at)
        sla_resume(ticket=ticket, at=resume_at)
        windows.append((pause_at, resume_at))
        cursor = resume_at
    clock = SlaClock.objects.get(ticket=ticket)
    paused = sum((calendar.business_time_between(pause_at, resume_at) for pause_at, resume_at in windows), dt.timedelta(0))
    assert clock.paused_seconds == paused.total_seconds()
    assert calendar.business_time_between(start, clock.resolution_due) - paused == dt.timedelta(hours=24)
    assert calendar.business_time_between(start, clock.first_response_due) - paused >= dt.timedelta(hours=4)
    assert calendar.is_open(clock.resolution_due - dt.timedelta(microseconds=1))  # never due in a closed period


def test_a_pause_after_a_missed_target_keeps_the_breach(shop_settings):
    ticket = new_ticket(created_at=at(2026, 3, 9, 9))
    sla_start(ticket=ticket)  # first response due 13:00
    sla_pause(ticket=ticket, at=at(2026, 3, 9, 14))  # nobody answered, and the check has not run yet
    sla_resume(ticket=ticket, at=at(2026, 3, 10, 9))
    clock = SlaClock.objects.get(ticket=ticket)
    assert clock.first_response_breached_at == at(2026, 3, 9, 13)
    assert clock.state == SlaState.BREACHED
