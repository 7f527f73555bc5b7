"""The workbench's assistant endpoints: the assist tab, the live guard, guard decisions and suggestion feedback.

Thin views: the conversation must be visible to the agent (404 otherwise), the work is done by
kefu.conversations.services.assist.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.conversations import selectors as conversation_selectors
from kefu.conversations.services import assist

from .views_workbench import _json_error, workbench_endpoint

MAX_DRAFT = 2000


def _body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _invalid(error: ValidationError) -> JsonResponse:
    return _json_error(400, "invalid", " ".join(error.messages))


@workbench_endpoint
@require_GET
def assist_panel(request: HttpRequest, pk: int) -> JsonResponse:
    conversation = conversation_selectors.conversation_get_for(request.user, pk)
    return JsonResponse(assist.assist_view(conversation))


@workbench_endpoint
@require_POST
def guard_check(request: HttpRequest) -> JsonResponse:
    data = _body(request)
    text = data.get("text") if data else None
    if not isinstance(text, str):
        return _json_error(400, "invalid", _("Send the draft as {\"text\": \"…\"}."))
    if len(text) > MAX_DRAFT:
        return _json_error(400, "too_long", _("The draft is longer than %(max)s characters.") % {"max": MAX_DRAFT})
    return JsonResponse({"flags": assist.draft_check(text=text) if text.strip() else []})


@workbench_endpoint
@require_POST
def guard_decision(request: HttpRequest, pk: int) -> JsonResponse:
    conversation = conversation_selectors.conversation_get_for(request.user, pk)
    data = _body(request)
    if data is None:
        return _json_error(400, "invalid", _("The request body must be a JSON object."))
    message_id = data.get("message")
    if message_id is not None and not (isinstance(message_id, int) and message_id > 0):
        return _json_error(400, "invalid", _("The message must be a message id."))
    try:
        row = assist.guard_decision_record(
            conversation=conversation, agent=request.user, draft=str(data.get("text") or ""), decision=str(data.get("decision") or ""), message_id=message_id
        )
    except ValidationError as error:
        return _invalid(error)
    if row is None:
        return JsonResponse({"id": None, "decision": data.get("decision"), "flags": 0})
    return JsonResponse({"id": row.pk, "decision": row.decision, "flags": len(row.flags)}, status=201)


@workbench_endpoint
@require_POST
def suggestion_feedback(request: HttpRequest, pk: int) -> JsonResponse:
    conversation = conversation_selectors.conversation_get_for(request.user, pk)
    data = _body(request)
    if data is None:
        return _json_error(400, "invalid", _("The request body must be a JSON object."))
    try:
        row = assist.suggestion_feedback_record(
            conversation=conversation,
            agent=request.user,
            message_id=data.get("message"),
            source=str(data.get("source") or ""),
            source_id=data.get("source_id"),
            suggested=str(data.get("suggested") or ""),
            sent=str(data.get("sent") or ""),
            rejected=data.get("outcome") == "rejected",
        )
    except ValidationError as error:
        return _invalid(error)
    return JsonResponse({"id": row.pk, "outcome": row.outcome}, status=201)
