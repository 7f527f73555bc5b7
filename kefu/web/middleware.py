"""Refuse NUL characters in API input before they reach the database.

No text a shop sends contains U+0000, PostgreSQL cannot store it in text columns and
SQLite silently truncates at it; so the API answers 422 and changes nothing. Django's form
fields already refuse it for the admin and pages.
"""

import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

_JSON_ESCAPED_NUL = re.compile(rb"(?<!\\)(\\\\)*\\u0000", re.IGNORECASE)


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path or b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return True
    if request.content_type == "application/json":
        body = request.body
        return b"\x00" in body or bool(_JSON_ESCAPED_NUL.search(body))
    return False


class RejectNulCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and _has_nul(request):
            from kefu.api import unprocessable_body  # the API's own 422 shape; imported late, as urls are

            error = {"field": None, "message": _("Text may not contain NUL characters."), "code": "null_characters_not_allowed"}
            return JsonResponse(unprocessable_body([error]), status=422, json_dumps_params={"ensure_ascii": False})
        return self.get_response(request)


