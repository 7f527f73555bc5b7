"""API shapes of customers; phone and address pass through masking for the requesting user."""

import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import ConfigDict

from kefu.api_types import Moment

from .enums import BuyingBehaviour, Gender, Loyalty, NeedType, Platform, Temperament, ValueLevel
from .masking import address_for, phone_for, viewer_sees_contact_details

TagName = Annotated[str, Field(min_length=1, max_length=32)]


def _viewer(context: dict | None):
    request = (context or {}).get("request")
    return getattr(request, "auth", None)


class IdentityIn(Schema):
    model_config = ConfigDict(extra="forbid")

    platform: Platform
    external_id: str = Field(min_length=1, max_length=128, description="Member name, phone, e-mail or visitor id")


class IdentityOut(Schema):
    id: int
    platform: Platform
    external_id: str
    created_at: datetime.datetime


class CustomerCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field("", max_length=64)
    gender: Gender = Gender.UNKNOWN
    birthday: datetime.date | None = None
    province: str = Field("", max_length=32)
    city: str = Field("", max_length=32)
    address: str = Field("", max_length=255)
    phone: str = Field("", max_length=32, examples=["13812345678"])
    email: str = Field("", max_length=254)
    hobbies: list[str] = []
    value_level: ValueLevel = ValueLevel.UNKNOWN
    loyalty: Loyalty = Loyalty.UNKNOWN
    need_type: NeedType = NeedType.UNKNOWN
    buying_behaviour: BuyingBehaviour = BuyingBehaviour.UNKNOWN
    temperament: Temperament = Temperament.UNKNOWN
    consent_marketing: bool = False
    consent_sms: bool = False
    consent_email: bool = False
    identities: list[IdentityIn] = []
    tags: list[TagName] = Field([], description="Tag names; new ones are created")


class CustomerPatchIn(Schema):
    """Only the fields sent are changed; `tags`, when sent, replaces the customer's tags."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(None, max_length=64)
    gender: Gender = None
    birthday: datetime.date | None = None
    province: str = Field(None, max_length=32)
    city: str = Field(None, max_length=32)
    address: str = Field(None, max_length=255)
    phone: str = Field(None, max_length=32)
    email: str = Field(None, max_length=254)
    hobbies: list[str] = None
    value_level: ValueLevel = None
    loyalty: Loyalty = None
    need_type: NeedType = None
    buying_behaviour: BuyingBehaviour = None
    temperament: Temperament = None
    consent_marketing: bool = None
    consent_sms: bool = None
    consent_email: bool = None
    tags: list[TagName] = None


class CustomerOut(Schema):
    id: int
    name: str
    gender: Gender
    birthday: datetime.date | None
    age: int | None
    province: str
    city: str
    address: str = Field(description="Street detail masked unless you may see contact details")
    phone: str = Field(description="Masked as 138****5678 unless you may see contact details")
    email: str
    contact_masked: bool = Field(False, description="True when phone and address are masked for you")
    hobbies: list[str]
    tags: list[str]
    value_level: ValueLevel
    loyalty: Loyalty
    need_type: NeedType
    buying_behaviour: BuyingBehaviour
    temperament: Temperament
    consent_marketing: bool
    consent_sms: bool
    consent_email: bool
    consent_updated_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_phone(obj, context) -> str:
        return phone_for(_viewer(context), obj.phone)

    @staticmethod
    def resolve_address(obj, context) -> str:
        return address_for(_viewer(context), obj.address)

    @staticmethod
    def resolve_contact_masked(obj, context) -> bool:
        return not viewer_sees_contact_details(_viewer(context))

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [tag.name for tag in obj.tags.all()]


class CustomerDetailOut(CustomerOut):
    identities: list[IdentityOut]
    notes_count: int
    order_count: int
    total_spend: Decimal = Field(description="Paid amount of all orders not closed or refunded, in yuan")

    @staticmethod
    def resolve_identities(obj) -> list:
        return list(obj.identities.all())


class NoteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=5000)


class NoteOut(Schema):
    id: int
    customer_id: int
    body: str
    author_id: int | None
    author_name: str | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_author_name(obj) -> str | None:
        return str(obj.author) if obj.author_id else None


class CustomerFilters(Schema):
    q: str = Field("", description="Searches name, phone, e-mail and platform identities")
    province: str = ""
    city: str = ""
    gender: Gender | None = None
    tag: str = Field("", description="Tag name")
    value_level: ValueLevel | None = None
    created_after: Moment | None = None
    created_before: Moment | None = None
