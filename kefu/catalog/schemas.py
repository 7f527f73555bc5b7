"""API shapes of products."""

import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from .enums import StockState


class ProductCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=128)
    aliases: list[str] = Field([], description="Other names customers use, e.g. model numbers")
    category_id: int | None = None
    price: Decimal = Field(ge=0, max_digits=12, decimal_places=2, description="In yuan")
    stock_state: StockState = StockState.IN_STOCK
    stock_quantity: int | None = None
    summary: str = Field("", max_length=255)
    description: str = ""
    features: list[str] = []
    advantages: list[str] = []
    applications: list[str] = []
    specifications: dict[str, Any] = {}
    is_active: bool = True


class ProductPatchIn(Schema):
    """Only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    sku: str = Field(None, min_length=1, max_length=64)
    name: str = Field(None, min_length=1, max_length=128)
    aliases: list[str] = None
    category_id: int | None = None
    price: Decimal = Field(None, ge=0, max_digits=12, decimal_places=2)
    stock_state: StockState = None
    stock_quantity: int | None = None
    summary: str = Field(None, max_length=255)
    description: str = None
    features: list[str] = None
    advantages: list[str] = None
    applications: list[str] = None
    specifications: dict[str, Any] = None
    is_active: bool = None


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    aliases: list[str]
    category_id: int | None
    category_name: str | None
    price: Decimal
    stock_state: StockState
    stock_quantity: int | None
    summary: str
    description: str
    features: list[str]
    advantages: list[str]
    applications: list[str]
    specifications: dict[str, Any]
    is_active: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_category_name(obj) -> str | None:
        return obj.category.name if obj.category_id else None


class ProductFilters(Schema):
    q: str = Field("", description="Searches name, SKU and aliases")
    # Bounded like the ids themselves (64-bit): SQLite cannot even compare a larger number.
    category_id: int | None = Field(None, ge=1, le=2**63 - 1, description="The category or its direct subcategories")
    stock_state: StockState | None = None
    is_active: bool | None = None
