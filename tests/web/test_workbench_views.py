"""The workbench page and its endpoints: who may see what, the list tabs, history paging, sidebar edits."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import AuditLog
from kefu.conversations.enums import ConversationStatus, SenderKind
from kefu.conversations.models import Conversation, Message
from kefu.customers.models import CustomerNote
from kefu.inboxes.models import Inbox
from kefu.inboxes.options import InboxOptions
from kefu.knowledge.models import Phrase
from tests.conftest import PASSWORD
from tests.factories import customer_factory, order_factory, product_factory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def inbox(db, presale_team) -> Inbox:
    inbox = Inbox.objects.create(name="官网在线客服", channel="web", public_key="wb-web")
    inbox.teams.add(presale_team)
    return inbox


@pytest.fixture
def customer(db):
    return customer_factory(name="张女士", phone="13812345678", tags=("回头客",))


def conversation_with(inbox, customer, *, team, messages: int = 0, **fields) -> Conversation:
    conversation = Conversation.objects.create(inbox=inbox, customer=customer, team=team, **fields)
    for seq in range(1, messages + 1):
        kind = SenderKind.CUSTOMER if seq % 2 else SenderKind.AGENT
        Message.objects.create(conversation=conversation, seq=seq, sender_kind=kind, body=f"消息{seq}")
    if messages:
        Conversation.objects.filter(pk=conversation.pk).update(last_seq=messages)
        conversation.refresh_from_db()
    return conversation


@pytest.fixture
def conversation(inbox, customer, presale_team) -> Conversation:
    return conversation_with(inbox, customer, team=presale_team, messages=3)


def logged_in(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def endpoints(conversation: Conversation) -> dict[str, tuple[str, str, dict]]:
    customer_id = conversation.customer_id
    return {
        "list": ("get", reverse("web:workbench_conversations") + "?tab=mine", {}),
        "detail": ("get", reverse("web:workbench_conversation", args=[conversation.pk]), {}),
        "messages": ("get", reverse("web:workbench_messages", args=[conversation.pk]) + "?before_seq=3", {}),
        "phrases": ("get", reverse("web:workbench_phrases"), {}),
        "transfer_targets": ("get", reverse("web:workbench_transfer_targets"), {}),
        "panel": ("get", reverse("web:workbench_customer_panel", args=[customer_id]) + f"?conversation={conversation.pk}", {}),
        "tag_add": ("post", reverse("web:workbench_tag_add", args=[customer_id]), {"name": "讲价型"}),
        "tag_remove": ("post", reverse("web:workbench_tag_remove", args=[customer_id]), {"name": "回头客"}),
        "note_add": ("post", reverse("web:workbench_note_add", args=[customer_id]), {"body": "喜欢顺丰"}),
    }


def call(client: Client, method: str, url: str, data: dict):
    return client.post(url, data) if method == "post" else client.get(url)


# --- authorisation matrix -------------------------------------------------------------------

ALL_ENDPOINTS = ["list", "detail", "messages", "phrases", "transfer_targets", "panel", "tag_add", "tag_remove", "note_add"]
CONVERSATION_ENDPOINTS = ["detail", "messages", "panel", "tag_add", "tag_remove", "note_add"]


def test_anonymous_is_sent_to_sign_in_for_the_page(client, db):
    response = client.get(reverse("web:workbench"))

    assert response.status_code == 302
    assert response.url == f"{reverse('web:login')}?next=/workbench/"


@pytest.mark.parametrize("name", ALL_ENDPOINTS)
def test_anonymous_gets_401_from_every_endpoint_and_changes_nothing(conversation, name):
    method, url, data = endpoints(conversation)[name]

    response = call(Client(), method, url, data)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert sorted(conversation.customer.tags.values_list("name", flat=True)) == ["回头客"]
    assert not CustomerNote.objects.exists()


def test_anonymous_upload_gets_401(db):
    response = Client().post(reverse("web:workbench_upload"), {})

    assert response.status_code == 401


@pytest.mark.parametrize("name", CONVERSATION_ENDPOINTS)
def test_agent_of_another_team_gets_404_and_changes_nothing(conversation, other_agent, name):
    method, url, data = endpoints(conversation)[name]

    response = call(logged_in(other_agent), method, url, data)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert sorted(conversation.customer.tags.values_list("name", flat=True)) == ["回头客"]
    assert not CustomerNote.objects.exists()
    assert not AuditLog.objects.exists()


def test_agent_of_another_team_sees_none_of_its_conversations_in_lists(conversation, other_agent):
    client = logged_in(other_agent)

    for tab in ("mine", "queue", "teams"):
        body = client.get(reverse("web:workbench_conversations"), {"tab": tab}).json()
        assert body["conversations"] == []
        assert body["counts"] == {"mine": 0, "queue": 0, "teams": 0}


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
@pytest.mark.parametrize("name", ALL_ENDPOINTS)
def test_agent_supervisor_and_admin_may_use_every_endpoint(conversation, request, role, name):
    user = request.getfixturevalue({"agent": "agent", "supervisor": "supervisor", "admin": "admin_user"}[role])
    method, url, data = endpoints(conversation)[name]

    response = call(logged_in(user), method, url, data)

    assert response.status_code == 200, response.content[:300]


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_page_renders_for_each_role_with_its_tabs(db, request, role):
    user = request.getfixturevalue({"agent": "agent", "supervisor": "supervisor", "admin": "admin_user"}[role])

    response = logged_in(user).get(reverse("web:workbench"))

    assert response.status_code == 200
    html = response.content.decode()
    config = json.loads(html.split('id="wb-config" type="application/json">', 1)[1].split("</script>", 1)[0])
    assert config["tabs"] == (["mine", "queue", "teams"] if role == "agent" else ["mine", "queue", "teams", "all"])
    assert config["me"]["id"] == user.pk
    assert config["urls"]["ws"] == "/ws/agent/"
    assert 'data-tab="all"' in html if role != "agent" else 'data-tab="all"' not in html
    assert "web/workbench/workbench.js" in html
    assert 'href="/workbench/" aria-current="page"' in html  # the nav link, marked current


def test_unknown_conversation_is_404_for_everyone(supervisor, db):
    response = logged_in(supervisor).get(reverse("web:workbench_conversation", args=[999999]))

    assert response.status_code == 404


def test_agent_may_not_list_all(agent, db):
    response = logged_in(agent).get(reverse("web:workbench_conversations"), {"tab": "all"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_posts_need_the_csrf_token(conversation, agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)

    response = client.post(reverse("web:workbench_note_add", args=[conversation.customer_id]), {"body": "x"})

    assert response.status_code == 403
    assert not CustomerNote.objects.exists()


# --- the list tabs -------------------------------------------------------------------------


def test_list_tabs_hold_mine_the_queue_the_teams_and_all(inbox, presale_team, agent, supervisor):
    mine = conversation_with(inbox, customer_factory(), team=presale_team, assignee=agent, messages=1)
    queued = conversation_with(inbox, customer_factory(), team=presale_team, messages=1)
    colleague = conversation_with(inbox, customer_factory(), team=presale_team, assignee=supervisor, messages=1)
    done = conversation_with(inbox, customer_factory(), team=presale_team, assignee=agent, status=ConversationStatus.RESOLVED)
    client = logged_in(agent)

    def ids(tab, user_client=client):
        body = user_client.get(reverse("web:workbench_conversations"), {"tab": tab}).json()
        return {row["id"] for row in body["conversations"]}, body["counts"]

    assert ids("mine") == ({mine.pk}, {"mine": 1, "queue": 1, "teams": 3})
    assert ids("queue")[0] == {queued.pk}
    assert ids("teams")[0] == {mine.pk, queued.pk, colleague.pk}
    all_ids, counts = ids("all", logged_in(supervisor))
    assert all_ids == {mine.pk, queued.pk, colleague.pk, done.pk}
    assert counts == {"mine": 1, "queue": 1, "teams": 3, "all": 4}


def test_list_rows_are_conversation_summaries(conversation, agent):
    body = logged_in(agent).get(reverse("web:workbench_conversations"), {"tab": "queue"}).json()

    (row,) = body["conversations"]
    assert row["id"] == conversation.pk
    assert row["customer"]["name"] == "张女士"
    assert row["inbox"] == {"id": conversation.inbox_id, "name": "官网在线客服", "channel": "web"}
    assert row["last_seq"] == 3
    assert row["assignee"] is None


# --- opening a conversation and scrolling up ------------------------------------------------


def test_detail_has_the_last_100_messages_with_private_notes_and_the_panel_url(inbox, customer, presale_team, agent):
    conversation = conversation_with(inbox, customer, team=presale_team, messages=129)
    Message.objects.create(conversation=conversation, seq=130, sender_kind=SenderKind.AGENT, sender_user=agent, body="客户爱讲价", is_private=True)
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=130)

    body = logged_in(agent).get(reverse("web:workbench_conversation", args=[conversation.pk])).json()

    assert [m["seq"] for m in body["messages"]] == list(range(31, 131))
    assert body["messages"][-1]["is_private"] is True
    assert body["messages"][-1]["sender_name"] == "小美"
    assert body["has_more"] is True
    assert body["conversation"]["id"] == conversation.pk
    assert body["conversation"]["customer"]["returning"] is False  # no order, no earlier conversation
    assert body["customer_panel_url"] == f"/workbench/customers/{customer.pk}/panel?conversation={conversation.pk}"


def test_older_messages_come_50_at_a_time_until_the_start(inbox, customer, presale_team, agent):
    conversation = conversation_with(inbox, customer, team=presale_team, messages=80)
    client = logged_in(agent)
    url = reverse("web:workbench_messages", args=[conversation.pk])

    first = client.get(url, {"before_seq": 71}).json()
    second = client.get(url, {"before_seq": 21}).json()

    assert [m["seq"] for m in first["messages"]] == list(range(21, 71)) and first["has_more"] is True
    assert [m["seq"] for m in second["messages"]] == list(range(1, 21)) and second["has_more"] is False


def test_older_messages_need_a_whole_number(conversation, agent):
    response = logged_in(agent).get(reverse("web:workbench_messages", args=[conversation.pk]), {"before_seq": "x"})

    assert response.status_code == 400


def test_placeholders_come_from_the_customer_and_the_latest_order(conversation, agent):
    product = product_factory(name="翼龙F40")
    order = order_factory(customer=conversation.customer, number="T2026112300001", carrier="中通快递", tracking_number="ZT123456789")
    order.items.update(product=product)

    hours = hours_until_open_around(conversation.inbox)
    body = logged_in(agent).get(reverse("web:workbench_conversation", args=[conversation.pk])).json()

    assert body["conversation"]["customer"]["returning"] is True  # she has an order: 回头客
    assert body["placeholders"].pop("hours") in hours(), "the hours until the inbox opens again, for /away"
    assert body["placeholders"] == {
        "name": "张女士",
        "agent": "小美",
        "order": "T2026112300001",
        "carrier": "中通快递",
        "tracking": "ZT123456789",
        "product": "翼龙F40",
    }


def hours_until_open_around(inbox):
    """Return a check that gives the possible {hours} values: the hour may turn between two readings."""
    before = str(InboxOptions.of(inbox).hours_until_open())

    def values() -> set[str]:
        return {before, str(InboxOptions.of(inbox).hours_until_open())}

    return values


def test_the_away_phrase_placeholder_says_in_how_many_hours_the_team_is_back(conversation, agent):
    """Regression: /away (亲，客服暂时不在线，大约{hours}小时后回来…) was inserted with {hours} left in."""
    conversation.inbox.settings = {"hours": {day: [["09:00", "10:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
    conversation.inbox.save(update_fields=["settings"])
    hours = hours_until_open_around(conversation.inbox)

    body = logged_in(agent).get(reverse("web:workbench_conversation", args=[conversation.pk])).json()

    assert body["placeholders"]["hours"] in hours()
    assert 1 <= int(body["placeholders"]["hours"]) <= 24


def test_the_history_tab_shows_an_image_only_conversation_as_an_image_not_the_internal_marker(conversation, agent, inbox, presale_team):
    """Regression: the past-conversations tab showed the server's "[image]" preview in English."""
    earlier = conversation_with(inbox, conversation.customer, team=presale_team, status=ConversationStatus.RESOLVED)
    Conversation.objects.filter(pk=earlier.pk).update(last_message_preview="[image]")

    response = logged_in(agent).get(reverse("web:workbench_customer_panel", args=[conversation.customer_id]), {"conversation": conversation.pk})

    html = response.content.decode()
    assert f'<span class="wb-past-body">{gettext("[Image]")}</span>' in html
    assert ">[image]<" not in html


def test_the_workbench_script_gets_the_image_preview_text(agent):
    response = logged_in(agent).get(reverse("web:workbench"))

    assert response.context["strings"]["image_preview"] == gettext("[Image]")


def test_phrases_are_grouped_by_stage_in_the_stages_order(agent):
    Phrase.objects.create(stage="logistics", shortcut="wl", title="物流查询", body="您的快递{carrier}{tracking}", sort_order=1)
    Phrase.objects.create(stage="greeting", shortcut="hi", title="欢迎", body="亲，您好", sort_order=2)
    Phrase.objects.create(stage="greeting", shortcut="hi0", title="早安", body="早上好", sort_order=1)
    Phrase.objects.create(stage="greeting", shortcut="off", title="停用", body="x", enabled=False)

    body = logged_in(agent).get(reverse("web:workbench_phrases")).json()

    assert [(group["stage"], [p["shortcut"] for p in group["phrases"]]) for group in body["stages"]] == [
        ("greeting", ["hi0", "hi"]),
        ("logistics", ["wl"]),
    ]


def test_transfer_targets_list_agents_with_load_and_teams(conversation, agent, supervisor, other_agent):
    body = logged_in(agent).get(reverse("web:workbench_transfer_targets")).json()

    names = {row["name"] for row in body["agents"]}
    assert "小美" not in names and "阿强" in names
    assert {"id", "name", "presence", "open_count", "capacity", "teams"} <= set(body["agents"][0])
    assert [team["name"] for team in body["teams"]] == ["售前组", "售后组"]


# --- the customer sidebar ------------------------------------------------------------------


def test_panel_masks_the_phone_for_an_agent_and_shows_orders_and_past_conversations(conversation, agent, inbox, presale_team):
    order_factory(customer=conversation.customer, number="T000777", status="shipped", carrier="中通快递", tracking_number="ZT999")
    earlier = conversation_with(inbox, conversation.customer, team=presale_team, status=ConversationStatus.RESOLVED)

    response = logged_in(agent).get(reverse("web:workbench_customer_panel", args=[conversation.customer_id]), {"conversation": conversation.pk})

    html = response.content.decode()
    assert "138****5678" in html and "13812345678" not in html
    assert "T000777" in html and "ZT999" in html and "中通快递" in html
    assert f'data-readonly="{earlier.pk}"' in html and f'data-readonly="{conversation.pk}"' not in html
    assert 'data-tag="回头客"' in html
    assert not AuditLog.objects.filter(action=AuditAction.VIEW).exists()


def test_panel_shows_the_phone_to_a_supervisor_and_audits_the_view(conversation, supervisor):
    response = logged_in(supervisor).get(reverse("web:workbench_customer_panel", args=[conversation.customer_id]))

    assert "13812345678" in response.content.decode()
    view = AuditLog.objects.get(action=AuditAction.VIEW)
    assert (view.actor, view.object_id, view.via) == (supervisor, str(conversation.customer_id), "web")


def test_adding_a_tag_goes_through_the_service_and_is_audited(conversation, agent):
    response = logged_in(agent).post(reverse("web:workbench_tag_add", args=[conversation.customer_id]), {"name": "讲价型"})

    assert response.status_code == 200
    assert 'data-tag="讲价型"' in response.content.decode()
    assert sorted(conversation.customer.tags.values_list("name", flat=True)) == ["回头客", "讲价型"]
    entry = AuditLog.objects.get()
    assert (entry.actor, entry.action, entry.via) == (agent, AuditAction.UPDATE, "web")
    assert entry.changes == {"tags": [["回头客"], ["回头客", "讲价型"]]}


def test_removing_a_tag_is_audited(conversation, agent):
    response = logged_in(agent).post(reverse("web:workbench_tag_remove", args=[conversation.customer_id]), {"name": "回头客"})

    assert response.status_code == 200
    assert list(conversation.customer.tags.all()) == []
    assert AuditLog.objects.get().changes == {"tags": [["回头客"], []]}


@pytest.mark.parametrize("name", ["", "长" * 33])
def test_a_bad_tag_is_refused_with_a_message_and_changes_nothing(conversation, agent, name):
    response = logged_in(agent).post(reverse("web:workbench_tag_add", args=[conversation.customer_id]), {"name": name})

    assert response.status_code == 400
    assert 'class="wb-form-error"' in response.content.decode()
    assert sorted(conversation.customer.tags.values_list("name", flat=True)) == ["回头客"]
    assert not AuditLog.objects.exists()


def test_adding_a_note_goes_through_the_service_and_is_audited(conversation, agent):
    response = logged_in(agent).post(reverse("web:workbench_note_add", args=[conversation.customer_id]), {"body": "  喜欢顺丰  "})

    assert response.status_code == 200
    note = CustomerNote.objects.get()
    assert (note.customer_id, note.author, note.body) == (conversation.customer_id, agent, "喜欢顺丰")
    assert "喜欢顺丰" in response.content.decode()
    entry = AuditLog.objects.get()
    assert (entry.actor, entry.action, entry.object_type, entry.via) == (agent, AuditAction.CREATE, "customers.customernote", "web")


def test_an_empty_note_is_refused_and_changes_nothing(conversation, agent):
    response = logged_in(agent).post(reverse("web:workbench_note_add", args=[conversation.customer_id]), {"body": "   "})

    assert response.status_code == 400
    assert not CustomerNote.objects.exists()
    assert not AuditLog.objects.exists()


# --- images ---------------------------------------------------------------------------------


def test_an_agent_uploads_an_image(agent, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    response = logged_in(agent).post(reverse("web:workbench_upload"), {"file": SimpleUploadedFile("photo.png", PNG, "image/png")})

    assert response.status_code == 200
    body = response.json()
    assert body["content_type"] == "image/png" and body["name"] == "photo.png" and body["size"] == len(PNG)
    assert body["url"].startswith("/media/chat/") and body["url"].endswith(".png")
    assert (tmp_path / body["url"].removeprefix("/media/")).read_bytes() == PNG


def test_an_upload_that_is_not_an_image_is_refused(agent, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    response = logged_in(agent).post(reverse("web:workbench_upload"), {"file": SimpleUploadedFile("x.png", b"not an image", "image/png")})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_attachment"
    assert not any(tmp_path.rglob("*.png"))


def test_an_upload_without_a_file_is_refused(agent):
    response = logged_in(agent).post(reverse("web:workbench_upload"), {})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "empty"


# --- landing after sign-in -----------------------------------------------------------------


def test_an_agent_lands_on_the_workbench_after_signing_in(agent):
    response = Client().post(reverse("web:login"), {"username": "agent", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("web:workbench")


def test_a_supervisor_lands_on_the_home_page_which_links_the_workbench(supervisor):
    client = Client()
    response = client.post(reverse("web:login"), {"username": "supervisor", "password": PASSWORD})

    assert response.url == reverse("web:home")
    assert 'href="/workbench/"' in client.get(reverse("web:home")).content.decode()


def test_panel_has_the_tickets_tab_with_a_new_ticket_link_for_this_conversation(conversation, agent):
    order_factory(customer=conversation.customer, number="T000888")

    html = logged_in(agent).get(reverse("web:workbench_customer_panel", args=[conversation.customer_id]), {"conversation": conversation.pk}).content.decode()

    assert 'data-side-tab="tickets"' in html
    assert f"/tickets/create/?customer={conversation.customer_id}&amp;conversation={conversation.pk}" in html
    assert f"/tickets/create/?customer={conversation.customer_id}&amp;order=T000888&amp;conversation={conversation.pk}" in html
