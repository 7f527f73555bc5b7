"""Limit/offset pagination for every list of the REST API, bounded by KEFU["API_MAX_PAGE_SIZE"]."""

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination


class KefuPagination(LimitOffsetPagination):
    """`?limit=&offset=`; answers `{"items": [...], "count": N}`; a limit above the maximum is capped."""

    class Input(Schema):
        limit: int = Field(
            settings.KEFU["API_PAGE_SIZE"],
            ge=1,
            description=f"Items per page, at most {settings.KEFU['API_MAX_PAGE_SIZE']}",
        )
        # At most what the databases take as OFFSET (64-bit); a larger number used to crash the query.
        offset: int = Field(0, ge=0, le=2**63 - 1, description="Items to skip")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=settings.KEFU["API_MAX_PAGE_SIZE"], **kwargs)

    def paginate_queryset(self, queryset: QuerySet, pagination: Input, request: HttpRequest, **params: Any) -> Any:
        return super().paginate_queryset(queryset, pagination, request, **params)
