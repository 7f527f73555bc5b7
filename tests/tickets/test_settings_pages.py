"""The after-sales settings pages: SLA policies, business calendars and holidays, follow-up and incident settings."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from kefu.accounts.models import AuditLog
from kefu.demo.loader.tickets_settings import CALENDAR_NAME, tickets_settings_load
from kefu.tickets import services
from kefu.tickets.enums import TicketPriority, TicketType
from kefu.tickets.models import (
    BusinessCalendar,
    Holiday,
    Incident,
    IncidentEvent,
    Notification,
    SlaClock,
    SlaPolicy,
    Ticket,
    TicketSettings,
)
from kefu.tickets.settings_services import business_calendar_save, holidays_parse
from tests.factories import customer_factory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def shop_settings(db) -> BusinessCalendar:
    """Load the demo's calendar (Mon-Fri 09:00-18:00, 2026-2027 holidays) and its four priority policies."""
    tickets_settings_load()
    return BusinessCalendar.objects.get(name=CALENDAR_NAME)


@pytest.fixture
def users(admin_user, supervisor, agent, other_agent):
    return {"anonymous": None, "agent": agent, "other_team_agent": other_agent, "supervisor": supervisor, "admin": admin_user}


def browser(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def boss(supervisor) -> Client:
    return browser(supervisor)


def new_ticket(created_at: dt.datetime, django_capture_on_commit_callbacks, priority=TicketPriority.NORMAL) -> Ticket:
    """Open a ticket through the real service; its SLA clock starts in the after-commit reaction."""
    with django_capture_on_commit_callbacks(execute=True):
        return services.ticket_create(
            actor=None, customer=customer_factory(), type=TicketType.WRONG_OR_MISSING, priority=priority, created_at=created_at
        )


def policy_form(on_calendar: BusinessCalendar, /, **overrides) -> dict:
    data = {
        "name": "普通工单：2小时响应，8小时解决",
        "priority": "normal",
        "ticket_type": "",
        "first_response_hours": "2",
        "first_response_mins": "0",
        "resolution_hours": "8",
        "resolution_mins": "0",
        "warn_at_percent": "75",
        "calendar": str(on_calendar.pk),
        "active": "on",
    }
    return {**data, **overrides}


def hours_form(**overrides) -> dict:
    data = {"name": "售后工作时间", "time_zone": "Asia/Shanghai", "hours_sat": "", "hours_sun": ""}
    data |= {f"hours_{day}": "09:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")}
    return {**data, **overrides}


SETTINGS_FORM = {
    "follow_up_delay_days": "2",
    "follow_up_delay_hours": "4",
    "follow_up_delay_mins": "30",
    "follow_up_answer_days": "5",
    "incident_window_minutes": "90",
    "incident_history_days": "14",
    "incident_min_count": "6",
    "incident_std_factor": "3.5",
    "incident_poisson_factor": "3",
    "as_of": "",
}


def snapshot() -> tuple:
    """Everything the settings pages can change, to prove a refusal changed nothing."""
    return (
        list(SlaPolicy.objects.order_by("pk").values()),
        list(BusinessCalendar.objects.order_by("pk").values("pk", "name", "weekly_hours", "time_zone")),
        list(Holiday.objects.order_by("pk").values()),
        list(TicketSettings.objects.order_by("pk").values()),
        AuditLog.objects.count(),
    )


# --- the authorisation matrix ------------------------------------------------------------------------


PAGES = ["/tickets/settings/", "/tickets/settings/sla/", "/tickets/settings/calendar/", "/tickets/settings/calendar/new/"]
EXPECTED = {"anonymous": 302, "agent": 403, "other_team_agent": 403, "supervisor": 200, "admin": 200}


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("page", PAGES)
def test_pages_are_for_supervisors_and_admins(shop_settings, users, role, page):
    response = browser(users[role]).get(page)
    assert response.status_code == EXPECTED[role]
    if role == "anonymous":
        assert response["Location"] == f"/login/?next={page}"


@pytest.mark.parametrize("role", list(EXPECTED))
def test_the_pages_of_one_policy_and_one_calendar(shop_settings, users, role):
    policy = SlaPolicy.objects.get(priority="normal")
    for page in (f"/tickets/settings/sla/{policy.pk}/", f"/tickets/settings/calendar/{shop_settings.pk}/"):
        assert browser(users[role]).get(page).status_code == EXPECTED[role]


def writes(calendar: BusinessCalendar) -> list[tuple[str, dict]]:
    policy = SlaPolicy.objects.get(priority="low")
    holiday = calendar.holidays.order_by("date").first()
    return [
        ("/tickets/settings/", {**SETTINGS_FORM, "action": "save"}),
        ("/tickets/settings/sla/", policy_form(calendar, priority="high", ticket_type="refund")),
        (f"/tickets/settings/sla/{policy.pk}/", policy_form(calendar, priority="low", name="低优先级（改）")),
        (f"/tickets/settings/sla/{policy.pk}/deactivate/", {}),
        (f"/tickets/settings/calendar/{calendar.pk}/", hours_form(hours_sat="10:00-16:00")),
        ("/tickets/settings/calendar/new/", hours_form(name="全天候")),
        (f"/tickets/settings/calendar/{calendar.pk}/holidays/", {"date": "2026-03-09", "name": "店庆"}),
        (f"/tickets/settings/calendar/{calendar.pk}/holidays/import/", {"text": "2028-01-01 元旦"}),
        (f"/tickets/settings/calendar/{calendar.pk}/holidays/{holiday.pk}/delete/", {}),
    ]


@pytest.mark.parametrize("role", ["anonymous", "agent", "other_team_agent"])
def test_agents_and_strangers_change_nothing(shop_settings, users, role):
    before = snapshot()
    for path, data in writes(shop_settings):
        response = browser(users[role]).post(path, data)
        assert response.status_code == EXPECTED[role], path
    assert snapshot() == before


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_supervisors_and_admins_write_each_audit_logged(shop_settings, users, role):
    user = users[role]
    for path, data in writes(shop_settings):
        response = browser(user).post(path, data)
        assert response.status_code == 302, (path, response.content.decode()[:2000])
    assert TicketSettings.objects.get().incident_window_minutes == 90
    assert SlaPolicy.objects.filter(priority="high", ticket_type="refund", active=True).count() == 1
    assert SlaPolicy.objects.get(name="低优先级（改）").active is False  # renamed in place, then deactivated
    assert BusinessCalendar.objects.get(pk=shop_settings.pk).weekly_hours[5] == [["10:00", "16:00"]]
    assert BusinessCalendar.objects.filter(name="全天候").count() == 1
    assert Holiday.objects.get(calendar=shop_settings, date=dt.date(2026, 3, 9)).name == "店庆"
    assert Holiday.objects.get(calendar=shop_settings, date=dt.date(2028, 1, 1)).is_workday is False
    assert not Holiday.objects.filter(calendar=shop_settings, date=dt.date(2026, 1, 1)).exists()
    rows = AuditLog.objects.filter(actor=user, via="web")
    assert sorted(rows.values_list("object_type", "action")) == sorted(
        [
            ("tickets.ticketsettings", "update"),  # the demo load created the row
            ("tickets.slapolicy", "create"),
            ("tickets.slapolicy", "update"),
            ("tickets.slapolicy", "update"),
            ("tickets.businesscalendar", "update"),
            ("tickets.businesscalendar", "create"),
            ("tickets.holiday", "create"),
            ("tickets.businesscalendar", "import"),
            ("tickets.holiday", "delete"),
        ]
    )


def test_the_pages_speak_chinese_by_default(shop_settings, supervisor):
    html = browser(supervisor, "zh-hans").get("/tickets/settings/sla/").content.decode()
    assert "紧急工单：30分钟响应，4小时解决" in html
    assert 'lang="zh-hans"' in html or "zh-hans" in html


def test_the_tickets_list_links_to_the_settings_for_supervisors_only(shop_settings, supervisor, agent):
    assert 'href="/tickets/settings/"' in browser(supervisor).get("/tickets/").content.decode()
    assert 'href="/tickets/settings/"' not in browser(agent).get("/tickets/").content.decode()


# --- SLA policies: refusals, and what a change does to tickets ------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"resolution_hours": "1"}, "The resolution target cannot be shorter than the first response target."),
        ({"priority": "urgent", "ticket_type": ""}, "The active policy “紧急工单：30分钟响应，4小时解决” already covers priority Urgent and all types."),
        ({"first_response_hours": "0"}, "A target must be between one business minute and 10,000 business hours."),
        ({"first_response_mins": "60"}, "Ensure this value is less than or equal to 59."),
        ({"warn_at_percent": "100"}, "Ensure this value is less than or equal to 99."),
        ({"name": "  "}, "This field is required."),
        ({"calendar": "999999"}, "Select a valid choice. That choice is not one of the available choices."),
    ],
)
def test_a_bad_policy_is_refused_with_a_clear_error_and_changes_nothing(shop_settings, boss, overrides, message):
    before = snapshot()
    response = boss.post("/tickets/settings/sla/", policy_form(shop_settings, **{"priority": "high", "ticket_type": "refund", **overrides}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_two_active_policies_for_one_priority_and_type_are_refused_also_when_editing(shop_settings, boss):
    boss.post("/tickets/settings/sla/", policy_form(shop_settings, name="退款加急", priority="high", ticket_type="refund"))
    low = SlaPolicy.objects.get(priority="low")
    before = snapshot()
    response = boss.post(f"/tickets/settings/sla/{low.pk}/", policy_form(shop_settings, name="低", priority="high", ticket_type="refund"))
    assert response.status_code == 400
    assert "The active policy “退款加急” already covers priority High and Refund." in response.content.decode()
    assert snapshot() == before


def test_the_page_shows_which_policy_each_priority_and_type_gets(shop_settings, boss):
    boss.post("/tickets/settings/sla/", policy_form(shop_settings, name="退款加急", priority="high", ticket_type="refund"))
    boss.post(f"/tickets/settings/sla/{SlaPolicy.objects.get(priority='low').pk}/deactivate/")
    html = boss.get("/tickets/settings/sla/").content.decode()
    refund_row = html.split('data-type="refund"')[1].split("</tr>")[0]
    # urgent, high, normal, low
    assert refund_row.count("<td>") == 5
    assert "紧急工单：30分钟响应，4小时解决" in refund_row
    assert '<span class="st-specific" title="A policy for this type">退款加急</span>' in refund_row
    assert "普通工单：4小时响应，24小时解决" in refund_row
    assert '<span class="st-none">No SLA</span>' in refund_row
    other_row = html.split('data-type="other"')[1].split("</tr>")[0]
    assert "高优先级：1小时响应，8小时解决" in other_row and "退款加急" not in other_row
    assert "A change applies to tickets opened afterwards." in html


def test_a_policy_edit_applies_to_tickets_opened_afterwards_and_keeps_running_clocks(
    shop_settings, boss, django_capture_on_commit_callbacks
):
    # Monday 9 March 2026 09:00, normal priority: 4 h to respond, 24 h to resolve.
    before = new_ticket(at(2026, 3, 9, 9), django_capture_on_commit_callbacks)
    old_clock = SlaClock.objects.get(ticket=before)
    assert (old_clock.first_response_due, old_clock.resolution_due) == (at(2026, 3, 9, 13), at(2026, 3, 11, 15))
    normal = SlaPolicy.objects.get(priority="normal")
    response = boss.post(f"/tickets/settings/sla/{normal.pk}/", policy_form(shop_settings, first_response_mins="30"), follow=True)
    assert "is kept, inactive, for the tickets already under it." in response.content.decode()
    successor = SlaPolicy.objects.get(priority="normal", active=True)
    assert successor.pk != normal.pk
    assert (successor.first_response_minutes, successor.resolution_minutes, successor.warn_at_percent) == (150, 480, 75)
    normal.refresh_from_db()
    assert (normal.active, normal.first_response_minutes, normal.resolution_minutes) == (False, 240, 1440)

    after = new_ticket(at(2026, 3, 9, 9), django_capture_on_commit_callbacks)
    new_clock = SlaClock.objects.get(ticket=after)
    assert new_clock.policy_id == successor.pk
    assert (new_clock.first_response_due, new_clock.resolution_due) == (at(2026, 3, 9, 11, 30), at(2026, 3, 9, 17))
    assert new_clock.resolution_warn_at == at(2026, 3, 9, 15)  # 75 % of 8 h
    old_clock.refresh_from_db()
    assert (old_clock.policy_id, old_clock.first_response_due, old_clock.resolution_due) == (normal.pk, at(2026, 3, 9, 13), at(2026, 3, 11, 15))
    assert AuditLog.objects.get(object_type="tickets.slapolicy", object_id=str(normal.pk)).changes == {
        "active": [True, False],
        "replaced_by": successor.pk,
    }


def test_renaming_a_policy_in_use_keeps_it(shop_settings, boss, django_capture_on_commit_callbacks):
    new_ticket(at(2026, 3, 9, 9), django_capture_on_commit_callbacks)
    normal = SlaPolicy.objects.get(priority="normal")
    data = policy_form(shop_settings, name="普通工单", first_response_hours="4", resolution_hours="24", warn_at_percent="80")
    assert boss.post(f"/tickets/settings/sla/{normal.pk}/", data).status_code == 302
    assert list(SlaPolicy.objects.filter(priority="normal").values_list("pk", "name", "active")) == [(normal.pk, "普通工单", True)]


def test_deactivating_leaves_new_tickets_of_that_priority_without_a_clock(shop_settings, boss, django_capture_on_commit_callbacks):
    running = new_ticket(at(2026, 3, 9, 9), django_capture_on_commit_callbacks, priority=TicketPriority.LOW)
    low = SlaPolicy.objects.get(priority="low")
    response = boss.post(f"/tickets/settings/sla/{low.pk}/deactivate/")
    assert response.status_code == 302
    assert SlaPolicy.objects.get(pk=low.pk).active is False
    assert SlaClock.objects.get(ticket=running).policy_id == low.pk
    later = new_ticket(at(2026, 3, 9, 10), django_capture_on_commit_callbacks, priority=TicketPriority.LOW)
    assert not SlaClock.objects.filter(ticket=later).exists()
    assert boss.get("/tickets/settings/sla/", {"x": 1}).status_code == 200
    assert boss.post(f"/tickets/settings/sla/{low.pk}/deactivate/").status_code == 302  # twice: nothing more
    assert AuditLog.objects.filter(object_type="tickets.slapolicy", object_id=str(low.pk)).count() == 1


# --- business calendars and holidays ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"hours_mon": "9-18"}, "Write periods like 09:00-18:00, separated by commas."),
        ({"hours_tue": "18:00-09:00"}, "Tuesday: 18:00-09:00 ends before it starts; periods end by midnight (write 00:00 for midnight)."),
        ({"hours_wed": "09:00-13:00, 12:00-18:00"}, "Wednesday: 09:00-13:00 and 12:00-18:00 overlap."),
        ({"hours_thu": "25:00-26:00"}, "25:00-26:00 is not a time of day."),
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone: Mars/Olympus. Use a name such as Asia/Shanghai."),
        ({f"hours_{day}": "" for day in ("mon", "tue", "wed", "thu", "fri")}, "The calendar needs opening hours on at least one day."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_bad_hours_are_refused_with_a_clear_error_and_change_nothing(shop_settings, boss, overrides, message):
    before = snapshot()
    response = boss.post(f"/tickets/settings/calendar/{shop_settings.pk}/", hours_form(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_a_second_calendar_needs_its_own_name(shop_settings, boss):
    before = snapshot()
    response = boss.post("/tickets/settings/calendar/new/", hours_form())
    assert response.status_code == 400
    assert "Business calendar with this Name already exists." in response.content.decode()
    assert snapshot() == before


def test_hours_in_several_periods_and_until_midnight_are_saved(shop_settings, boss):
    response = boss.post(
        f"/tickets/settings/calendar/{shop_settings.pk}/",
        hours_form(hours_mon="09:00-12:00, 13:30-18:00", hours_sat="18:00-00:00", time_zone="Asia/Hong_Kong"),
    )
    assert response.status_code == 302 and response["Location"] == f"/tickets/settings/calendar/{shop_settings.pk}/"
    shop_settings.refresh_from_db()
    assert shop_settings.weekly_hours[0] == [["09:00", "12:00"], ["13:30", "18:00"]]
    assert shop_settings.weekly_hours[5] == [["18:00", "00:00"]]
    assert shop_settings.time_zone == "Asia/Hong_Kong"
    html = boss.get(f"/tickets/settings/calendar/{shop_settings.pk}/").content.decode()
    assert 'value="09:00-12:00, 13:30-18:00"' in html


def test_a_holiday_added_on_the_page_moves_the_due_time_of_the_next_ticket(shop_settings, boss, django_capture_on_commit_callbacks):
    # Friday 6 March 2026 17:00, normal: 1 h on Friday, then 3 h on Monday.
    before = new_ticket(at(2026, 3, 6, 17), django_capture_on_commit_callbacks)
    assert SlaClock.objects.get(ticket=before).first_response_due == at(2026, 3, 9, 12)
    response = boss.post(f"/tickets/settings/calendar/{shop_settings.pk}/holidays/", {"date": "2026-03-09", "name": "店庆"})
    assert response.status_code == 302
    after = new_ticket(at(2026, 3, 6, 17), django_capture_on_commit_callbacks)
    assert SlaClock.objects.get(ticket=after).first_response_due == at(2026, 3, 10, 12)  # Monday is closed now
    assert SlaClock.objects.get(ticket=before).first_response_due == at(2026, 3, 9, 12)  # computed before: kept
    holiday = Holiday.objects.get(calendar=shop_settings, date=dt.date(2026, 3, 9))
    assert boss.post(f"/tickets/settings/calendar/{shop_settings.pk}/holidays/{holiday.pk}/delete/").status_code == 302
    again = new_ticket(at(2026, 3, 6, 17), django_capture_on_commit_callbacks)
    assert SlaClock.objects.get(ticket=again).first_response_due == at(2026, 3, 9, 12)


def test_an_imported_make_up_saturday_opens_with_mondays_hours(shop_settings, boss, django_capture_on_commit_callbacks):
    text = "# 2026 test\n2026-03-07 店庆调休上班\n2026-03-09~2026-03-10 店庆\n"
    response = boss.post(f"/tickets/settings/calendar/{shop_settings.pk}/holidays/import/", {"text": text}, follow=True)
    assert "Holidays imported: 3 added, 0 changed, 0 unchanged, 0 removed." in response.content.decode()
    days = Holiday.objects.filter(calendar=shop_settings, date__range=(dt.date(2026, 3, 7), dt.date(2026, 3, 10))).order_by("date")
    assert [(day.date.day, day.name, day.is_workday) for day in days] == [(7, "店庆调休上班", True), (9, "店庆", False), (10, "店庆", False)]
    ticket = new_ticket(at(2026, 3, 6, 17), django_capture_on_commit_callbacks)
    clock = SlaClock.objects.get(ticket=ticket)
    assert clock.first_response_due == at(2026, 3, 7, 12)  # 1 h Friday + 3 h on the worked Saturday
    assert clock.resolution_due == at(2026, 3, 12, 14)  # 24 h = 1 (Fri) + 9 (Sat) + Mon, Tue off + 9 (Wed) + 5 (Thu)


def test_importing_again_updates_and_can_replace_the_provisional_year(shop_settings, boss):
    provisional = Holiday.objects.filter(calendar=shop_settings, date__year=2027).count()
    assert provisional == 34
    text = "2027-01-01 元旦\n2027-02-06~2027-02-12 春节\n2027-02-20 春节调休上班"
    response = boss.post(
        f"/tickets/settings/calendar/{shop_settings.pk}/holidays/import/", {"text": text, "replace_years": "on"}, follow=True
    )
    assert "Holidays imported: 0 added, 8 changed, 1 unchanged, 25 removed." in response.content.decode()
    days = Holiday.objects.filter(calendar=shop_settings, date__year=2027).order_by("date")
    assert [(day.date.isoformat(), day.name, day.is_workday) for day in days] == [
        ("2027-01-01", "元旦", False),
        *[(f"2027-02-{n:02d}", "春节", False) for n in range(6, 13)],
        ("2027-02-20", "春节调休上班", True),
    ]
    assert Holiday.objects.filter(calendar=shop_settings, date__year=2026).count() == 39  # other years untouched
    log = AuditLog.objects.get(action="import")
    assert log.changes == {"holidays": {"created": 0, "updated": 8, "removed": 25, "years": [2027]}}


def test_a_bad_import_names_every_bad_line_and_imports_nothing(shop_settings, boss):
    before = snapshot()
    text = "2027-01-01 元旦\n2027-13-01 错月\n明天 放假\n2027-02-10~2027-02-05 倒序\n2027-01-01 又是元旦\n2027-03-01~2027-05-01 太长"
    response = boss.post(f"/tickets/settings/calendar/{shop_settings.pk}/holidays/import/", {"text": text})
    assert response.status_code == 400
    html = response.content.decode()
    for message in (
        "Line 2: there is no such date.",
        "Line 3: write a date such as 2027-01-01, then the name.",
        "Line 4: the range ends before it starts.",
        "Line 5: 2027-01-01 is already on line 1.",
        "Line 6: a range covers at most 31 days.",
        "Nothing was imported; correct these lines and import again.",
    ):
        assert message in html, message
    assert "2027-01-01 元旦\n2027-13-01" in html  # the pasted text stays in the box
    assert snapshot() == before


def test_an_empty_list_and_a_day_already_listed_are_refused(shop_settings, boss):
    before = snapshot()
    response = boss.post(f"/tickets/settings/calendar/{shop_settings.pk}/holidays/import/", {"text": "# nothing\n\n"})
    assert response.status_code == 400 and "The list has no dates." in response.content.decode()
    response = boss.post(f"/tickets/settings/calendar/{shop_settings.pk}/holidays/", {"date": "2026-10-01", "name": "国庆"})
    assert response.status_code == 400
    assert "2026-10-01 is already in the list (国庆节); remove it first." in response.content.decode()
    response = boss.post(f"/tickets/settings/calendar/{shop_settings.pk}/holidays/", {"date": "2026-02-30"})
    assert response.status_code == 400 and "Enter a valid date." in response.content.decode()
    assert snapshot() == before


def test_a_holiday_of_another_calendar_is_not_found(shop_settings, boss):
    other = BusinessCalendar.objects.create(name="全天候")
    holiday = shop_settings.holidays.first()
    assert boss.post(f"/tickets/settings/calendar/{other.pk}/holidays/{holiday.pk}/delete/").status_code == 404
    assert Holiday.objects.filter(pk=holiday.pk).exists()


def test_the_holiday_parser_reads_the_usual_notations():
    days = holidays_parse("2027/1/1 元旦\n2027-10-09　国庆补班\n2027-05-01 至 2027-05-02 劳动节\n2027-06-09")
    assert [(day.line, day.date.isoformat(), day.name, day.is_workday) for day in days] == [
        (1, "2027-01-01", "元旦", False),
        (2, "2027-10-09", "国庆补班", True),
        (3, "2027-05-01", "劳动节", False),
        (3, "2027-05-02", "劳动节", False),
        (4, "2027-06-09", "", False),
    ]


def test_a_mistyped_date_is_not_read_as_a_name(english):
    with pytest.raises(ValidationError) as refused:
        holidays_parse("2027-01-012 元旦")
    assert refused.value.messages == ["Line 1: write a date such as 2027-01-01, then the name."]


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def test_the_calendar_service_refuses_hours_of_the_wrong_shape(shop_settings, supervisor, english):
    before = snapshot()
    for weekly_hours, message in (
        ([["09:00", "18:00"]], "Give the opening hours of seven days, Monday first."),
        ([[["9h", "18h"]]] + [[]] * 6, "Monday: write periods like 09:00-18:00."),
        ([None] * 7, "Monday: write periods like 09:00-18:00."),
    ):
        with pytest.raises(ValidationError) as refused:
            business_calendar_save(actor=supervisor, fields={"weekly_hours": weekly_hours}, calendar=shop_settings, via="api")
        assert refused.value.message_dict["weekly_hours"][0] == message
    with pytest.raises(ValidationError) as refused:
        business_calendar_save(actor=supervisor, fields={"holidays": []}, calendar=shop_settings)
    assert refused.value.message_dict == {"holidays": ["Unknown field."]}
    assert snapshot() == before


def test_the_calendar_page_lists_hours_holidays_and_the_policies_using_it(shop_settings, boss):
    html = boss.get("/tickets/settings/calendar/").content.decode()
    assert 'value="09:00-18:00"' in html and 'value="Asia/Shanghai"' in html
    assert 'data-date="2026-09-20"' in html and "国庆节调休上班" in html  # a make-up Sunday
    assert "Make-up working day" in html
    assert "紧急工单：30分钟响应，4小时解决" in html  # used by


# --- follow-up and incident settings, and the detector preview -----------------------------------------------


def test_the_settings_are_saved_and_shown_again(shop_settings, boss):
    response = boss.post("/tickets/settings/", {**SETTINGS_FORM, "action": "save"})
    assert response.status_code == 302 and response["Location"] == "/tickets/settings/"
    row = TicketSettings.objects.get()
    saved = (
        row.follow_up_delay_minutes, row.follow_up_answer_days, row.incident_window_minutes, row.incident_history_days,
        row.incident_min_count, row.incident_std_factor, row.incident_poisson_factor,
    )  # fmt: skip
    assert saved == (2 * 24 * 60 + 4 * 60 + 30, 5, 90, 14, 6, 3.5, 3.0)
    html = boss.get("/tickets/settings/").content.decode()
    for field, value in (("follow_up_delay_days", "2"), ("follow_up_delay_hours", "4"), ("follow_up_delay_mins", "30"), ("incident_std_factor", "3.5")):
        assert f'name="{field}" value="{value}"' in html, field
    assert "Saved: 3150 minutes." in html
    assert "The detector counts new tickets by cause, product and carrier over this sliding window (under a day)." in html  # help text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"incident_window_minutes": "1440"}, "Ensure this value is less than or equal to 1439."),
        ({"incident_window_minutes": "4"}, "Ensure this value is greater than or equal to 5."),
        ({"incident_min_count": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"follow_up_answer_days": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"incident_std_factor": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"incident_history_days": "abc"}, "Enter a whole number."),
        ({"follow_up_delay_days": "60", "follow_up_delay_hours": "1"}, "Enter a number from 0 to 86400."),
    ],
)
def test_bad_settings_are_refused_with_a_clear_error_and_change_nothing(shop_settings, boss, overrides, message):
    for action in ("save", "preview"):
        before = snapshot()
        response = boss.post("/tickets/settings/", {**SETTINGS_FORM, **overrides, "action": action})
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html
        assert "Please correct the fields marked below; nothing was saved." in html
        assert 'id="detector-preview"' not in html
        assert snapshot() == before


class TestTheDetectorPreview:
    """The button runs the detector read-only, with the typed values: it lists the surge and creates nothing."""

    NOW = at(2026, 3, 20, 15)

    @pytest.fixture
    def surge(self, shop_settings, django_capture_on_commit_callbacks):
        from tests.tickets.test_incidents import Shop

        TicketSettings.objects.all().delete()  # the detector's defaults; no row saved
        shop = Shop()
        shop.ordinary_days(days=28, until=self.NOW)
        return shop.surge(count=30, end=self.NOW)

    def preview(self, boss, **overrides):
        return boss.post("/tickets/settings/", {**SETTINGS_FORM, "incident_window_minutes": "120", "incident_history_days": "28",
                                                 "incident_min_count": "8", "incident_std_factor": "4", "incident_poisson_factor": "4",
                                                 "as_of": "2026-03-20T15:00", "action": "preview", **overrides})  # fmt: skip

    def test_it_lists_what_would_be_raised_and_creates_nothing(self, surge, boss):
        tickets_before = Ticket.objects.count()
        response = self.preview(boss)
        assert response.status_code == 200
        html = response.content.decode()
        assert "What the detector would raise as of 2026-03-20 15:00" in html
        row = html.split('data-key="cause:wrong_or_missing"')[1].split("</tr>")[0]
        in_window = Ticket.objects.filter(
            type=TicketType.WRONG_OR_MISSING, created_at__gt=self.NOW - dt.timedelta(hours=2), created_at__lte=self.NOW
        ).count()
        assert in_window == 32  # the 30 of the surge and 2 ordinary ones
        assert "Wrong or missing item" in row and '<td class="tk-money">32</td>' in row
        assert "would be raised" in row
        assert row.count('class="tk-num"') == 10  # the first ten tickets, then …
        assert html.count("data-key=") == 1  # the carriers' counts are explained by the same tickets
        assert (Incident.objects.count(), IncidentEvent.objects.count(), Notification.objects.count()) == (0, 0, 0)
        assert TicketSettings.objects.count() == 0  # the typed values were not saved
        assert Ticket.objects.count() == tickets_before
        assert AuditLog.objects.count() == 0

    def test_the_typed_thresholds_decide(self, surge, boss):
        html = self.preview(boss, incident_min_count="33").content.decode()
        assert "Nothing would be raised: no count is far above its usual level." in html
        assert "data-key=" not in html

    def test_an_ordinary_moment_raises_nothing(self, surge, boss):
        html = self.preview(boss, as_of="2026-03-19T15:00").content.decode()
        assert "Nothing would be raised" in html

    def test_an_open_incident_would_be_updated(self, surge, boss):
        from kefu.tickets.incidents import incidents_detect

        [incident] = incidents_detect(now=self.NOW)
        counts = (Incident.objects.count(), IncidentEvent.objects.count(), Notification.objects.count())
        html = self.preview(boss).content.decode()
        assert f'href="/incidents/{incident.pk}/">already open: would be updated</a>' in html
        assert (Incident.objects.count(), IncidentEvent.objects.count(), Notification.objects.count()) == counts
