"""The chat settings pages: who may open them, validation that changes nothing, audited saves."""

import pytest

from kefu.accounts.models import AuditLog
from kefu.inboxes.models import Inbox
from kefu.inboxes.options import InboxOptions

pytestmark = pytest.mark.django_db


@pytest.fixture
def web_inbox(presale_team):
    inbox = Inbox.objects.create(name="官网在线客服", channel="web", public_key="k-web")
    inbox.teams.add(presale_team)
    return inbox


def _form(**overrides):
    data = {
        "greeting": "",
        "color": "#ff6600",
        "bot_name": "小客",
        "holding_after_seconds": "60",
        "reply_target_seconds": "20",
        "default_team_id": "",
        "bot_answer_confidence": "0.75",
        "bot_unsure_turns": "2",
        "bot_handover_intensity": "0.75",
        **{f"hours_{day}": "09:00-12:00, 13:30-22:00" for day in ("mon", "tue", "wed", "thu", "fri")},
        "hours_sat": "10:00-18:00",
        "hours_sun": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(("role", "status"), [(None, 302), ("agent", 403), ("supervisor", 200), ("admin_user", 200)])
def test_only_supervisors_and_admins_open_chat_settings(client, request, web_inbox, role, status):
    if role:
        client.force_login(request.getfixturevalue(role))
    assert client.get("/settings/chat/").status_code == status
    assert client.get(f"/settings/chat/inboxes/{web_inbox.pk}/").status_code == status


def test_saving_hours_and_timers_applies_and_is_audited(client, supervisor, web_inbox):
    client.force_login(supervisor)
    response = client.post(f"/settings/chat/inboxes/{web_inbox.pk}/", _form())
    assert response.status_code == 302
    options = InboxOptions.of(Inbox.objects.get(pk=web_inbox.pk))
    assert options.hours["mon"] == [["09:00", "12:00"], ["13:30", "22:00"]] and options.hours["sun"] == []
    assert (options.color, options.holding_after_seconds, options.reply_target_seconds) == ("#ff6600", 60, 20)
    audit = AuditLog.objects.get(object_type__icontains="inbox")
    assert audit.actor == supervisor and audit.changes["holding_after_seconds"] == [45, 60]


@pytest.mark.parametrize(
    ("field", "value"),
    [("hours_mon", "9点到18点"), ("hours_tue", "25:00-26:00"), ("holding_after_seconds", "1"), ("color", "red")],
)
def test_bad_settings_are_refused_with_a_message_and_change_nothing(client, supervisor, web_inbox, field, value):
    client.force_login(supervisor)
    response = client.post(f"/settings/chat/inboxes/{web_inbox.pk}/", _form(**{field: value}), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert Inbox.objects.get(pk=web_inbox.pk).settings == {}
    assert not AuditLog.objects.exists()


def test_team_routing_policy_is_changed_by_a_supervisor_only(client, supervisor, agent, presale_team):
    client.force_login(agent)
    assert client.post(f"/settings/chat/teams/{presale_team.pk}/routing", {f"team{presale_team.pk}-policy": "manual"}).status_code == 403
    client.force_login(supervisor)
    client.post(f"/settings/chat/teams/{presale_team.pk}/routing", {f"team{presale_team.pk}-policy": "manual"})
    presale_team.refresh_from_db()
    assert presale_team.routing_policy == "manual"
    client.post(f"/settings/chat/teams/{presale_team.pk}/routing", {f"team{presale_team.pk}-policy": "bogus"})
    presale_team.refresh_from_db()
    assert presale_team.routing_policy == "manual"


def test_the_answer_bot_is_turned_on_with_its_thresholds_and_audited(client, supervisor, web_inbox):
    client.force_login(supervisor)
    form = _form(bot_enabled="on", bot_answer_confidence="0.9", bot_unsure_turns="3", bot_handover_intensity="0.6")
    assert client.post(f"/settings/chat/inboxes/{web_inbox.pk}/", form).status_code == 302
    inbox = Inbox.objects.get(pk=web_inbox.pk)
    options = InboxOptions.of(inbox)
    assert (inbox.bot_enabled, options.bot_answer_confidence, options.bot_unsure_turns, options.bot_handover_intensity) == (True, 0.9, 3, 0.6)
    changes = AuditLog.objects.get(object_type__icontains="inbox").changes
    assert changes["bot_enabled"] == [False, True] and changes["bot_unsure_turns"] == [2, 3]


@pytest.mark.parametrize(("field", "value"), [("bot_answer_confidence", "1.5"), ("bot_unsure_turns", "0"), ("bot_handover_intensity", "abc")])
def test_bad_bot_thresholds_change_nothing(client, supervisor, web_inbox, field, value):
    client.force_login(supervisor)
    response = client.post(f"/settings/chat/inboxes/{web_inbox.pk}/", _form(bot_enabled="on", **{field: value}))
    assert response.status_code == 400
    inbox = Inbox.objects.get(pk=web_inbox.pk)
    assert (inbox.bot_enabled, inbox.settings) == (False, {})
