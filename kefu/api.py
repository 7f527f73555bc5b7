"""The REST API: one Ninja instance, one router per app, under /api/v1."""

from ninja import NinjaAPI

api = NinjaAPI(title="Kefu API", version="1", docs_url="/docs", openapi_url="/openapi.json", urls_namespace="api")
