"""The agent workbench (工作台): the page, its JSON endpoints and the customer sidebar partials.

Thin views: every read goes through the conversations, customers and orders selectors, every
write through their services with the acting user, so permissions and the audit log apply.
Sending, claiming, transfers and status changes go over the agent WebSocket, never HTTP.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.accounts.api_auth import request_ip
from kefu.accounts.enums import Presence
from kefu.conversations import payloads
from kefu.conversations import selectors as conversation_selectors
from kefu.conversations.enums import ConversationStatus, LostReason
from kefu.conversations.models import Conversation
from kefu.customers import selectors as customer_selectors
from kefu.customers import services as customer_services
from kefu.customers.masking import address_for, phone_for
from kefu.customers.models import Customer
from kefu.inboxes.options import InboxOptions
from kefu.knowledge.enums import PhraseStage
from kefu.knowledge.models import Phrase
from kefu.orders import selectors as order_selectors
from kefu.orders.models import Order

TABS = ("mine", "queue", "teams", "all")
HISTORY_PAGE = 100  # messages shown when a conversation opens
OLDER_PAGE = 50  # messages per "load older" step
TICKETS_TEMPLATE = "tickets/_customer_tickets.html"


def _json_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def workbench_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer 401 to anonymous callers, and 404/403 as JSON, for the workbench's fetch() endpoints."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return _json_error(401, "unauthenticated", _("Sign in to use the workbench."))
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return _json_error(404, "not_found", _("This conversation does not exist or is not yours to see."))
        except PermissionDenied as exc:
            return _json_error(403, "forbidden", str(exc) or _("You may not do this."))

    return wrapper


def _tabs_for(user) -> tuple[str, ...]:
    return TABS if user.is_supervisor_or_admin else TABS[:3]


def _phrases_grouped() -> list[dict[str, Any]]:
    """Return the enabled quick phrases grouped by stage, in the stages' order."""
    by_stage: dict[str, list[dict[str, str]]] = {}
    for phrase in Phrase.objects.filter(enabled=True).order_by("sort_order", "id"):
        by_stage.setdefault(phrase.stage, []).append({"shortcut": phrase.shortcut, "title": phrase.title, "body": phrase.body})
    return [
        {"stage": stage.value, "label": str(stage.label), "phrases": by_stage[stage.value]}
        for stage in PhraseStage
        if stage.value in by_stage
    ]


def _strings() -> dict[str, str]:
    """Return the texts the workbench script shows, translated into the request's language."""
    return {
        "bot": _("Bot"),
        "note": _("Note"),
        "system": _("System"),
        "today": _("Today"),
        "yesterday": _("Yesterday"),
        "waiting": _("Waiting"),
        "returning": _("Returning customer"),
        "high_value": _("High value"),
        "unassigned": _("Unassigned"),
        "no_conversations": _("No conversations"),
        "no_conversations_hint": _("New conversations appear here by themselves."),
        "no_match": _("No conversation matches the search."),
        "loading": _("Loading…"),
        "load_failed": _("Could not load. Try again."),
        "retry": _("Retry"),
        "reconnecting": _("Reconnecting…"),
        "sending": _("Sending…"),
        "sent": _("Sent"),
        "read": _("Read"),
        "failed": _("Not sent"),
        "typing": _("The customer is typing…"),
        "older": _("Loading earlier messages…"),
        "no_older": _("This is the start of the conversation."),
        "no_phrase": _("No quick phrase matches."),
        "claimed": _("Conversation claimed."),
        "transferred": _("Conversation transferred."),
        "resolved": _("Conversation resolved."),
        "reopened": _("Conversation reopened."),
        "converted_done": _("Marked as converted."),
        "lost_done": _("Marked as not converted."),
        "upload_failed": _("The image could not be uploaded."),
        "uploading": _("Uploading…"),
        "pick_target": _("Choose an agent or a team."),
        "agents": _("Agents"),
        "teams": _("Teams"),
        "open_of": _("%(open)s of %(capacity)s open"),
        "queued_count": _("%(count)s waiting"),
        "status_open": str(ConversationStatus.OPEN.label),
        "status_pending": str(ConversationStatus.PENDING.label),
        "status_resolved": str(ConversationStatus.RESOLVED.label),
        "converted": _("Converted"),
        "not_converted": _("Not converted"),
        "presence_online": str(Presence.ONLINE.label),
        "presence_away": str(Presence.AWAY.label),
        "presence_offline": str(Presence.OFFLINE.label),
        "channel_web": _("Web"),
        "channel_email": _("E-mail"),
        "channel_phone": _("Phone"),
        "channel_api": _("Platform"),
        "assigned_to": _("Handled by %(name)s"),
        "bot_answering": _("The bot is answering"),
        "remove": _("Remove"),
        "image_preview": _("[Image]"),
        "new_notification": _("New notification"),
        # the assist tab, the list's emotion badges and the guard in the composer
        "assist_empty": _("No analysis yet"),
        "assist_empty_hint": _("Emotion, stage and suggested replies appear here when the customer writes."),
        "emotion": _("Emotion"),
        "stage": _("Stage"),
        "objection": _("Objection"),
        "cues": _("Cues"),
        "intensity": _("Intensity"),
        "trend_rising": _("Rising"),
        "trend_falling": _("Easing"),
        "trend_steady": _("Steady"),
        "trend": _("Trend"),
        "recent_emotions": _("Emotion of the last messages"),
        "analysed_message": _("Analysed message"),
        "suggestions": _("Suggested replies"),
        "no_suggestions": _("No suggested reply for this message."),
        "insert_suggestion": _("Insert into the reply (Alt+%(n)s)"),
        "dismiss": _("Dismiss"),
        "escalated": _("Escalated"),
        "guard_replace": _("Replace with"),
        "guard_checking": _("Checking the wording…"),
        "guard_model_flag": _("This sentence may upset the customer."),
    }


@login_required
@require_GET
def workbench(request: HttpRequest) -> HttpResponse:
    """Render the three-column page; the script fills it from the JSON endpoints and the WebSocket."""
    user = request.user
    tabs = _tabs_for(user)
    tab_labels = {"mine": _("Mine"), "queue": _("Queue"), "teams": _("My teams"), "all": _("All")}
    config = {
        "me": {"id": user.pk, "name": str(user), "presence": user.presence, "supervisor": user.is_supervisor_or_admin},
        "tabs": list(tabs),
        "urls": {
            "ws": "/ws/agent/",
            "conversations": reverse("web:workbench_conversations"),
            "conversation": reverse("web:workbench_conversation", args=[0]),
            "messages": reverse("web:workbench_messages", args=[0]),
            "transfer_targets": reverse("web:workbench_transfer_targets"),
            "upload": reverse("web:workbench_upload"),
            # the assistant: the assist tab, the live guard, guard decisions and suggestion feedback
            "assist": reverse("web:workbench_assist", args=[0]),
            "guard_check": reverse("web:workbench_guard_check"),
            "suggestion_feedback": reverse("web:workbench_suggestion_feedback", args=[0]),
            "guard_decision": reverse("web:workbench_guard_decision", args=[0]),
        },
        "lost_reasons": [{"value": reason.value, "label": str(reason.label)} for reason in LostReason if reason.value],
    }
    context = {
        "tabs": [(tab, tab_labels[tab]) for tab in tabs],
        "config": config,
        "strings": _strings(),
        "phrases": _phrases_grouped(),
        "presences": [(presence.value, presence.label) for presence in Presence],
        "lost_reasons": config["lost_reasons"],
    }
    return render(request, "web/workbench.html", context)


@workbench_endpoint
@require_GET
def conversation_list(request: HttpRequest) -> JsonResponse:
    """List one tab's conversations as summaries, with every tab's count."""
    user = request.user
    tabs = _tabs_for(user)
    tab = request.GET.get("tab", "mine")
    if tab not in tabs:
        return _json_error(400, "invalid", _("Unknown list: %(tab)s.") % {"tab": tab})
    lists = {name: conversation_selectors.conversation_list_for(user, tab=name) for name in tabs}
    return JsonResponse(
        {
            "tab": tab,
            "conversations": [payloads.conversation_summary(conversation) for conversation in lists[tab]],
            "counts": {name: len(rows) for name, rows in lists.items()},
        }
    )


def _latest_order(conversation: Conversation) -> Order | None:
    if conversation.order_id:
        return conversation.order
    return Order.objects.filter(customer_id=conversation.customer_id).order_by("-placed_at", "-id").first()


def _placeholders(conversation: Conversation, user) -> dict[str, str]:
    """Return the quick-phrase placeholder values known for this conversation ({name}, {order}…)."""
    values = {"name": payloads.customer_display_name(conversation.customer), "agent": str(user)}
    hours = InboxOptions.of(conversation.inbox).hours_until_open()
    if hours:  # /away says when the team is back
        values["hours"] = str(hours)
    order = _latest_order(conversation)
    if order is not None:
        values["order"] = order.number
        if order.carrier:
            values["carrier"] = order.carrier
        if order.tracking_number:
            values["tracking"] = order.tracking_number
        item = order.items.select_related("product").order_by("id").first()
        if item is not None:
            values["product"] = item.product.name if item.product_id else item.title
    return values


def _messages_json(conversation: Conversation, messages) -> list[dict[str, Any]]:
    return [payloads.message_payload(message, conversation=conversation) for message in messages]


@workbench_endpoint
@require_GET
def conversation_detail(request: HttpRequest, pk: int) -> JsonResponse:
    """Open a conversation: its summary, its last messages (private notes included) and the sidebar's URL."""
    from kefu.conversations.services import customer_is_returning

    conversation = conversation_selectors.conversation_get_for(request.user, pk)
    if getattr(conversation, "customer_returning", None) is None:
        conversation.customer_returning = customer_is_returning(conversation)  # the header's 回头客 badge
    messages = conversation_selectors.messages_before(
        conversation, conversation.last_seq + 1, include_private=True, limit=HISTORY_PAGE
    )
    return JsonResponse(
        {
            "conversation": payloads.conversation_summary(conversation),
            "messages": _messages_json(conversation, messages),
            "has_more": bool(messages) and messages[0].seq > 1,
            "placeholders": _placeholders(conversation, request.user),
            "customer_panel_url": reverse("web:workbench_customer_panel", args=[conversation.customer_id])
            + f"?conversation={conversation.pk}",
        }
    )


@workbench_endpoint
@require_GET
def conversation_messages(request: HttpRequest, pk: int) -> JsonResponse:
    """Return the messages before `before_seq`, oldest first, for scrolling up."""
    conversation = conversation_selectors.conversation_get_for(request.user, pk)
    try:
        before_seq = int(request.GET.get("before_seq", ""))
    except ValueError:
        return _json_error(400, "invalid", _("before_seq must be a whole number."))
    messages = conversation_selectors.messages_before(conversation, before_seq, include_private=True, limit=OLDER_PAGE)
    return JsonResponse(
        {"conversation": conversation.pk, "messages": _messages_json(conversation, messages), "has_more": bool(messages) and messages[0].seq > 1}
    )


@workbench_endpoint
@require_GET
def phrases(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"stages": _phrases_grouped()})


@workbench_endpoint
@require_GET
def transfer_targets(request: HttpRequest) -> JsonResponse:
    """List the agents (with presence and load) and the teams a conversation may be transferred to."""
    return JsonResponse(
        {
            "agents": conversation_selectors.agents_for_transfer(request.user),
            "teams": conversation_selectors.teams_for_transfer(request.user),
        }
    )


@workbench_endpoint
@require_POST
def upload(request: HttpRequest) -> JsonResponse:
    """Store an agent's image (PNG, JPEG, GIF or WebP, at most 5 MB) and return its attachment object."""
    from kefu.conversations.services import attachment_store

    uploaded = request.FILES.get("file")
    if uploaded is None:
        return _json_error(400, "empty", _("Choose an image to upload."))
    try:
        attachment = attachment_store(uploaded_file=uploaded, uploader=f"agent:{request.user.pk}")
    except ValidationError as exc:
        return _json_error(400, "bad_attachment", " ".join(exc.messages))
    return JsonResponse(attachment)


# --- the customer sidebar -----------------------------------------------------------------


def _visible_customer(user, customer_id: int) -> Customer:
    """Return the customer when the user may read customers and sees one of their conversations; 404 otherwise."""
    customer = customer_selectors.customer_get(actor=user, customer_id=customer_id)
    if not conversation_selectors.conversations_visible_to(user).filter(customer_id=customer.pk).exists():
        raise Http404
    return customer


def _profile_context(request: HttpRequest, customer: Customer, **extra: Any) -> dict[str, Any]:
    user = request.user
    location = " ".join(part for part in (customer.province, customer.city) if part)
    return {
        "customer": customer,
        "customer_name": payloads.customer_display_name(customer),
        "phone": phone_for(user, customer.phone),
        "address": address_for(user, customer.address),
        "location": location,
        "tags": sorted(customer.tags.all(), key=lambda tag: tag.name),
        "notes": list(customer_selectors.customer_note_list(actor=user, customer=customer)[:20]),
        **extra,
    }


def _tickets_context(user, customer: Customer, conversation_pk: int | None) -> dict[str, Any]:
    """Return the tickets tab's context when the tickets app provides its sidebar partial; empty otherwise."""
    try:
        get_template(TICKETS_TEMPLATE)
        from kefu.tickets.selectors import customer_tickets

        new_ticket_url = reverse("tickets:new")
    except (TemplateDoesNotExist, ImportError, NoReverseMatch):
        return {"tickets_template": None}
    query = {"customer": customer.pk, **({"conversation": conversation_pk} if conversation_pk else {})}
    try:
        tickets = customer_tickets(actor=user, customer_id=customer.pk)
    except PermissionDenied:
        return {"tickets_template": None}
    return {
        "tickets_template": TICKETS_TEMPLATE,
        "customer_tickets": tickets,
        "new_ticket_url": f"{new_ticket_url}?{urlencode(query)}",
        "new_ticket_base": new_ticket_url,
    }


@workbench_endpoint
@require_GET
def customer_panel(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Render the right column for one customer: profile, orders, past conversations (and tickets)."""
    user = request.user
    customer = _visible_customer(user, customer_id)
    try:
        current_pk = int(request.GET.get("conversation", ""))
    except ValueError:
        current_pk = None
    past = conversation_selectors.customer_conversations(customer, exclude_pk=current_pk, limit=20)
    visible = set(
        conversation_selectors.conversations_visible_to(user).filter(pk__in=[c.pk for c in past]).values_list("pk", flat=True)
    )
    orders = list(order_selectors.order_list(actor=user, customer_id=customer.pk)[:10])
    customer_services.customer_contact_view_record(actor=user, customer=customer, via="web", ip_address=request_ip(request))
    context = _profile_context(
        request,
        customer,
        orders=orders,
        past=[conversation for conversation in past if conversation.pk in visible],
        current_pk=current_pk,
        **_tickets_context(user, customer, current_pk),
    )
    return render(request, "web/_workbench_customer_panel.html", context)


def _profile_response(request: HttpRequest, customer: Customer, *, error: str = "", field: str = "") -> HttpResponse:
    context = _profile_context(request, customer, error=error, error_field=field)
    return render(request, "web/_workbench_profile.html", context, status=400 if error else 200)


@workbench_endpoint
@require_POST
def customer_tag_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Add one tag (created when new) to the customer, through customer_update so it is audited."""
    customer = _visible_customer(request.user, customer_id)
    name = request.POST.get("name", "").strip()
    names = sorted(customer.tags.values_list("name", flat=True))
    if name and name not in names:
        try:
            customer = customer_services.customer_update(
                actor=request.user, customer=customer, fields={}, tags=[*names, name], via="web", ip_address=request_ip(request)
            )
        except ValidationError:
            return _profile_response(request, customer, error=_("A tag needs a name of 1 to 32 characters."), field="tag")
    elif not name:
        return _profile_response(request, customer, error=_("A tag needs a name of 1 to 32 characters."), field="tag")
    return _profile_response(request, customer)


@workbench_endpoint
@require_POST
def customer_tag_remove(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Remove one tag from the customer, through customer_update so it is audited."""
    customer = _visible_customer(request.user, customer_id)
    name = request.POST.get("name", "").strip()
    names = sorted(customer.tags.values_list("name", flat=True))
    if name in names:
        customer = customer_services.customer_update(
            actor=request.user,
            customer=customer,
            fields={},
            tags=[tag for tag in names if tag != name],
            via="web",
            ip_address=request_ip(request),
        )
    return _profile_response(request, customer)


@workbench_endpoint
@require_POST
def customer_note_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Add a note to the customer through customer_note_create, which audits it."""
    customer = _visible_customer(request.user, customer_id)
    try:
        customer_services.customer_note_create(
            actor=request.user, customer=customer, body=request.POST.get("body", ""), via="web", ip_address=request_ip(request)
        )
    except ValidationError:
        return _profile_response(request, customer, error=_("Write the note first."), field="note")
    return _profile_response(request, customer)
