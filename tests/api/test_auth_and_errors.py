"""Token authentication, error shapes, translation and the OpenAPI document."""

import pytest
from django.test import Client

from kefu.accounts.models import ApiToken
from kefu.accounts.services import api_token_create, api_token_revoke

EN = {"Accept-Language": "en"}
PROTECTED = [
    ("get", "/api/v1/customers"),
    ("get", "/api/v1/customers/1"),
    ("post", "/api/v1/customers"),
    ("patch", "/api/v1/customers/1"),
    ("post", "/api/v1/customers/1/notes"),
    ("get", "/api/v1/customers/1/notes"),
    ("get", "/api/v1/products"),
    ("get", "/api/v1/products/1"),
    ("get", "/api/v1/products/by-sku/A"),
    ("post", "/api/v1/products"),
    ("patch", "/api/v1/products/1"),
    ("get", "/api/v1/orders"),
    ("get", "/api/v1/orders/1"),
    ("get", "/api/v1/orders/by-number/1"),
    ("post", "/api/v1/orders"),
    ("patch", "/api/v1/orders/1"),
]


def _call(client: Client, method: str, path: str, headers: dict):
    if method in {"post", "patch"}:
        return getattr(client, method)(path, {}, content_type="application/json", headers=headers)
    return getattr(client, method)(path, headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_anonymous_request_is_refused_with_401(method, path):
    response = _call(Client(), method, path, EN)

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required: send an API token as 'Authorization: Bearer <token>'."}
    assert response["WWW-Authenticate"] == 'Bearer realm="kefu"'


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_bad_token_is_refused_with_401(method, path):
    response = _call(Client(), method, path, {**EN, "Authorization": "Bearer kefu_not-a-real-token"})

    assert response.status_code == 401
    assert response.json() == {"detail": "The API token is invalid or has been revoked."}


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_revoked_token_is_refused_with_401(method, path, agent):
    token, secret = api_token_create(user=agent, name="old")
    api_token_revoke(token=token, actor=None)

    response = _call(Client(), method, path, {**EN, "Authorization": f"Bearer {secret}"})

    assert response.status_code == 401
    assert response.json() == {"detail": "The API token is invalid or has been revoked."}


def test_token_of_deactivated_user_is_refused(agent):
    _token, secret = api_token_create(user=agent)
    agent.is_active = False
    agent.save()

    response = Client().get("/api/v1/customers", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 401


def test_x_api_key_header_authenticates(agent):
    _token, secret = api_token_create(user=agent)

    response = Client().get("/api/v1/customers", headers={"X-Api-Key": secret})

    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


def test_bearer_token_authenticates_and_marks_last_use(agent):
    token, secret = api_token_create(user=agent)

    response = Client().get("/api/v1/products", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_api_token_row_holds_only_a_hash_of_the_secret(agent):
    token, secret = api_token_create(user=agent, name="erp")

    row = ApiToken.objects.filter(pk=token.pk).values().get()

    assert secret not in [str(value) for value in row.values()]
    assert row["key_hash"] != secret and len(row["key_hash"]) == 64
    assert secret.startswith(row["prefix"]) and len(row["prefix"]) < len(secret) // 2


def test_validation_errors_come_in_the_callers_language(api_client_for, agent):
    client = api_client_for(agent)

    english = client.post("/api/v1/customers/1/notes", {}, headers={"Accept-Language": "en"})
    chinese = client.post("/api/v1/customers/1/notes", {}, headers={"Accept-Language": "zh-hans"})

    assert english.status_code == chinese.status_code == 422
    assert english.json() == {
        "message": "The request has invalid values; nothing was changed.",
        "detail": [{"field": "body", "message": "This field is required.", "code": "missing"}],
    }
    assert chinese.json()["detail"][0]["field"] == "body"
    assert chinese.json()["detail"][0]["message"] != "This field is required."  # Django's own catalogue translates it


def test_unknown_body_field_and_bad_query_values_are_reported_by_name(api_client_for, agent):
    client = api_client_for(agent)

    body = client.post("/api/v1/customers", {"name": "王芳", "phon": "1"}, headers=EN)
    query = client.get("/api/v1/customers?limit=0&created_after=yesterday", headers=EN)

    assert body.status_code == 422
    assert body.json()["detail"] == [{"field": "phon", "message": "Unknown field.", "code": "extra_forbidden"}]
    assert query.status_code == 422
    assert {(error["field"], error["message"]) for error in query.json()["detail"]} == {
        ("created_after", "Enter a valid date/time."),
        ("limit", "Ensure this value is greater than or equal to 1."),
    }


def test_malformed_json_is_a_clear_400(api_client_for, agent):
    response = api_client_for(agent).post("/api/v1/customers", "{not json", headers=EN)

    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is not valid JSON."}


def test_non_numeric_id_is_a_422_on_the_id(api_client_for, agent):
    response = api_client_for(agent).get("/api/v1/orders/abc", headers=EN)

    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "order_id", "message": "Enter a whole number.", "code": "int_parsing"}]


def test_openapi_lists_the_paths_and_docs_render(db):
    schema = Client().get("/api/openapi.json")
    docs = Client().get("/api/docs")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in [
        "/api/v1/customers",
        "/api/v1/customers/{customer_id}",
        "/api/v1/customers/{customer_id}/notes",
        "/api/v1/products",
        "/api/v1/products/{product_id}",
        "/api/v1/products/by-sku/{sku}",
        "/api/v1/orders",
        "/api/v1/orders/{order_id}",
        "/api/v1/orders/by-number/{number}",
    ]:
        assert path in paths
    assert set(paths["/api/v1/customers"]) == {"get", "post"}
    assert set(paths["/api/v1/orders/{order_id}"]) == {"get", "patch"}
    assert {"BearerTokenAuth", "ApiKeyHeaderAuth"} <= set(schema.json()["components"]["securitySchemes"])
    assert docs.status_code == 200


def test_api_docs_load_nothing_from_the_internet(db):
    """Kefu runs offline: Swagger UI comes from the installed package, not a CDN."""
    html = Client().get("/api/docs").content.decode()

    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "https://" not in html and "http://" not in html
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_responses_carry_chinese_as_utf8_characters(db, supervisor, api_client_for):
    api = api_client_for(supervisor)
    api.post("/api/v1/customers", {"name": "张女士", "phone": "13812345678"})

    response = api.get("/api/v1/customers")

    assert response["Content-Type"].startswith("application/json")
    assert "张女士".encode() in response.content
    assert response.json()["items"][0]["name"] == "张女士"
