"""The REST API: one Ninja instance, one router per app, under /api/v1.

Every operation needs an API token (see kefu.accounts.api_auth). Errors share two shapes:
`{"detail": "..."}` for 401/403/404, and for 422
`{"message": "...", "detail": [{"field": "phone", "message": "...", "code": "invalid"}]}`,
whether the input failed the schema or a service's validation (django ValidationError).
All messages are in the caller's language (Accept-Language).
"""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from kefu.accounts.api_auth import API_AUTH, request_sent_credentials
from kefu.catalog.api import router as catalog_router
from kefu.conversations.api import router as conversations_router
from kefu.conversations.errors import ChatError
from kefu.customers.api import router as customers_router
from kefu.importing.api import router as importing_router
from kefu.orders.api import router as orders_router
from kefu.tickets.api import router as tickets_router


class ReadableJSONRenderer(JSONRenderer):
    """Write Chinese as UTF-8 characters, not escape sequences: integrators read these responses."""

    json_dumps_params = {"ensure_ascii": False}


class KefuAPI(NinjaAPI):
    """Ninja, plus the error answers of the handlers below written into the OpenAPI document."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                for status, description, component in _error_responses(path, method, operation):
                    operation["responses"].setdefault(
                        str(status),
                        {
                            "description": description,
                            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                        },
                    )
        return schema


ERROR_SCHEMAS: dict[str, Any] = {
    "Error": {
        "title": "Error",
        "type": "object",
        "properties": {"detail": {"title": "Detail", "type": "string"}},
        "required": ["detail"],
    },
    "ValidationError": {
        "title": "ValidationError",
        "type": "object",
        "properties": {
            "message": {"title": "Message", "type": "string"},
            "detail": {
                "title": "Detail",
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "field": {"title": "Field", "anyOf": [{"type": "string"}, {"type": "null"}]},
                        "message": {"title": "Message", "type": "string"},
                        "code": {"title": "Code", "type": "string"},
                    },
                    "required": ["field", "message", "code"],
                },
            },
        },
        "required": ["message", "detail"],
    },
}


def _error_responses(path: str, method: str, operation: dict[str, Any]) -> list[tuple[int, str, str]]:
    """Say which of the shared error answers an operation can give."""
    body = operation.get("requestBody", {}).get("content", {})
    errors = [(401, "No API token, or an invalid or revoked one", "Error")]
    if "application/json" in body:
        errors.append((400, "The request body is not valid JSON", "Error"))
    if method != "get" or path.startswith("/api/v1/imports"):
        errors.append((403, "The token's user may not do this", "Error"))
    if "{" in path:
        errors.append((404, "Not found", "Error"))
    if body or operation.get("parameters"):
        errors.append((422, "Invalid values; nothing was changed", "ValidationError"))
    if method == "post" and path.endswith("/messages"):
        errors.append((429, "Too many messages from this customer; nothing was stored", "Error"))
    return errors


api = KefuAPI(
    title="Kefu API",
    version="1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
    auth=API_AUTH,
    renderer=ReadableJSONRenderer(),
    description="Customers, orders and products of a Kefu shop. Authenticate with `Authorization: Bearer <token>` "
    "(create one with `kefu token create USERNAME`) or `X-Api-Key: <token>`.",
)

api.add_router("/v1/customers", customers_router)
api.add_router("/v1/products", catalog_router)
api.add_router("/v1/orders", orders_router)
api.add_router("/v1/imports", importing_router)
api.add_router("/v1", conversations_router)  # conversations, messages and the channel API
api.add_router("/v1", tickets_router)  # tickets, returns, refunds, compensation


# --- errors -----------------------------------------------------------------------------


def pydantic_error_message(error: dict[str, Any]) -> str:
    """Say what is wrong with one value in the caller's language; pydantic's own text is English only."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    simple = {
        "missing": _("This field is required."),
        "int_parsing": _("Enter a whole number."),
        "int_type": _("Enter a whole number."),
        "int_from_float": _("Enter a whole number."),
        "float_parsing": _("Enter a number."),
        "float_type": _("Enter a number."),
        "decimal_parsing": _("Enter a number."),
        "decimal_type": _("Enter a number."),
        "bool_parsing": _("Enter true or false."),
        "bool_type": _("Enter true or false."),
        "date_parsing": _("Enter a valid date."),
        "date_type": _("Enter a valid date."),
        "date_from_datetime_parsing": _("Enter a valid date."),
        "date_from_datetime_inexact": _("Enter a valid date."),
        "datetime_parsing": _("Enter a valid date/time."),
        "datetime_type": _("Enter a valid date/time."),
        "datetime_from_date_parsing": _("Enter a valid date/time."),
        "string_type": _("Enter text."),
        "list_type": _("Enter a list of values."),
        "dict_type": _("Enter an object."),
        "model_type": _("Enter an object."),
        "model_attributes_type": _("Enter an object."),
        "json_invalid": _("The request body is not valid JSON."),
        "extra_forbidden": _("Unknown field."),
        "uuid_parsing": _("Enter a valid UUID."),
    }
    if kind in simple:
        return simple[kind]
    with_limit = {
        "string_too_short": (_("Ensure this value has at least %(limit)s characters."), "min_length"),
        "string_too_long": (_("Ensure this value has at most %(limit)s characters."), "max_length"),
        "too_short": (_("Ensure this list has at least %(limit)s items."), "min_length"),
        "too_long": (_("Ensure this list has at most %(limit)s items."), "max_length"),
        "greater_than_equal": (_("Ensure this value is greater than or equal to %(limit)s."), "ge"),
        "greater_than": (_("Ensure this value is greater than %(limit)s."), "gt"),
        "less_than_equal": (_("Ensure this value is less than or equal to %(limit)s."), "le"),
        "less_than": (_("Ensure this value is less than %(limit)s."), "lt"),
        "decimal_max_digits": (_("Ensure that there are no more than %(limit)s digits in total."), "max_digits"),
        "decimal_max_places": (_("Ensure that there are no more than %(limit)s decimal places."), "decimal_places"),
        "decimal_whole_digits": (_("Ensure that there are no more than %(limit)s digits before the decimal point."), "whole_digits"),
        "enum": (_("Select a valid choice: %(limit)s."), "expected"),
        "literal_error": (_("Select a valid choice: %(limit)s."), "expected"),
    }
    if kind in with_limit:
        message, key = with_limit[kind]
        return message % {"limit": ctx.get(key, "")}
    return str(error.get("msg", _("Enter a valid value.")))


def unprocessable_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """Build the 422 body every part of the API answers with."""
    return {"message": _("The request has invalid values; nothing was changed."), "detail": errors}


def _unprocessable(request: HttpRequest, errors: list[dict[str, Any]]) -> HttpResponse:
    return api.create_response(request, unprocessable_body(errors), status=422)


def _field_from_location(location: tuple | list) -> str | None:
    """Turn Ninja's ("body", "payload", "items", 0, "quantity") into "items.0.quantity"."""
    parts = list(location)
    source = parts.pop(0) if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"} else None
    if source == "body" and len(parts) > 1:
        parts.pop(0)  # the view's parameter name
    elif source == "body" and parts == ["payload"]:
        parts = []
    return ".".join(str(part) for part in parts) or None


@api.exception_handler(NinjaValidationError)
def schema_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        if "loc" not in error:  # pagination cursors and such: {name: message}
            errors.extend({"field": key, "message": str(value), "code": "invalid"} for key, value in error.items())
            continue
        errors.append(
            {
                "field": _field_from_location(error["loc"]),
                "message": pydantic_error_message(error),
                "code": error.get("type", "invalid"),
            }
        )
    return _unprocessable(request, errors)


@api.exception_handler(DjangoValidationError)
def service_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors = []
    error_dict = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
    for field, field_errors in error_dict.items():
        for error in field_errors:
            message = error.message % error.params if error.params else error.message
            errors.append(
                {
                    "field": None if field == NON_FIELD_ERRORS else field,
                    "message": str(message),
                    "code": error.code or "invalid",
                }
            )
    return _unprocessable(request, errors)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if request_sent_credentials(request):
        detail = _("The API token is invalid or has been revoked.")
    else:
        detail = _("Authentication required: send an API token as 'Authorization: Bearer <token>'.")
    response = api.create_response(request, {"detail": detail}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="kefu"'
    return response


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    detail = str(exc) or _("You do not have permission to do this.")
    return api.create_response(request, {"detail": detail}, status=403)


CHAT_ERROR_STATUS = {"not_found": 404, "forbidden": 403, "already_claimed": 409, "illegal_state": 409, "rate_limited": 429}


@api.exception_handler(ChatError)
def chat_error(request: HttpRequest, exc: ChatError) -> HttpResponse:
    status = CHAT_ERROR_STATUS.get(exc.code, 422)
    if status == 422:
        return _unprocessable(request, [{"field": None, "message": str(exc.message), "code": exc.code}])
    return api.create_response(request, {"detail": str(exc.message)}, status=status)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    detail = str(exc) if exc.args else _("Not found.")
    return api.create_response(request, {"detail": detail}, status=404)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, Throttled):
        detail = _("Too many requests; try again later.")
    elif exc.status_code == 400 and exc.message == "Cannot parse request body":
        detail = _("The request body is not valid JSON.")
    elif exc.status_code == 403:
        detail = _("You do not have permission to do this.") if exc.message == "Forbidden" else exc.message
    else:
        detail = exc.message
    return api.create_response(request, {"detail": detail}, status=exc.status_code)
