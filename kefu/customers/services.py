"""Writes on customers: profiles, identities, tags and notes; each one permission-checked and audited."""

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.enums import AuditAction
from kefu.accounts.models import User
from kefu.accounts.permissions import Capability, permission_require
from kefu.accounts.services import audit_record, audit_value, field_changes
from kefu.customers.masking import viewer_sees_contact_details
from kefu.customers.phones import phone_canonical

from .models import Customer, CustomerIdentity, CustomerNote, Tag

# Fields a profile edit may set; anything else (ids, timestamps) is the system's.
CUSTOMER_EDITABLE_FIELDS = (
    "name",
    "gender",
    "birthday",
    "province",
    "city",
    "address",
    "phone",
    "email",
    "hobbies",
    "value_level",
    "loyalty",
    "need_type",
    "buying_behaviour",
    "temperament",
    "consent_marketing",
    "consent_sms",
    "consent_email",
)
_CONSENT_FIELDS = ("consent_marketing", "consent_sms", "consent_email")
_PHONE_ALLOWED = re.compile(r"^[\d\s\-()（）.+]+$")


class IdentityInput(TypedDict):
    platform: str
    external_id: str


def phone_normalise(raw: str) -> str:
    """Check that a phone number looks like one and return its canonical form; raise ValidationError if not."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    digits = re.sub(r"\D", "", raw)
    if not _PHONE_ALLOWED.match(raw) or raw.count("+") > 1 or not 5 <= len(digits) <= 20:
        raise ValidationError(_("Enter a valid phone number, e.g. 13812345678."), code="invalid_phone")
    return phone_canonical(raw)


def _clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(CUSTOMER_EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: ValidationError(_("Unknown field."), code="unknown_field") for name in unknown})
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[ValidationError]] = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        if name == "phone":
            try:
                value = phone_normalise(value or "")
            except ValidationError as exc:
                errors.setdefault("phone", []).extend(exc.error_list)
                continue
        if name == "email":
            value = (value or "").lower()
        if name == "birthday" and value is not None and value > timezone.localdate():
            errors.setdefault("birthday", []).append(ValidationError(_("The birthday cannot be in the future."), code="future"))
            continue
        if name == "hobbies":
            value = [str(item).strip() for item in (value or []) if str(item).strip()]
        if value is None and name != "birthday":
            errors.setdefault(name, []).append(ValidationError(_("This field cannot be null."), code="null"))
            continue
        cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _full_clean(customer: Customer) -> None:
    customer.full_clean(exclude=["tags", "created_at", "updated_at", "consent_updated_at"], validate_unique=False)


def _tags_get_or_create(names: Iterable[str]) -> list[Tag]:
    tags = []
    errors = []
    seen = set()
    for index, raw in enumerate(names):
        name = (raw or "").strip()
        if not name or len(name) > Tag._meta.get_field("name").max_length:
            errors.append((index, name))
            continue
        if name in seen:
            continue
        seen.add(name)
        tag, _created = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    if errors:
        raise ValidationError(
            {
                f"tags.{index}": ValidationError(_("A tag needs a name of 1 to 32 characters."), code="invalid_tag")
                for index, _name in errors
            }
        )
    return tags


def _check_identities(identities: Sequence[IdentityInput], customer: Customer | None = None) -> list[tuple[str, str]]:
    from .enums import Platform

    pairs = []
    errors: dict[str, ValidationError] = {}
    seen = set()
    for index, identity in enumerate(identities):
        platform = str(identity.get("platform") or "")
        external_id = str(identity.get("external_id") or "").strip()
        if platform not in Platform.values:
            errors[f"identities.{index}.platform"] = ValidationError(
                _("Select a valid choice: %(choices)s.") % {"choices": ", ".join(Platform.values)}, code="invalid_choice"
            )
            continue
        if not external_id:
            errors[f"identities.{index}.external_id"] = ValidationError(_("This field is required."), code="required")
            continue
        taken = CustomerIdentity.objects.filter(platform=platform, external_id=external_id)
        if customer is not None:
            taken = taken.exclude(customer=customer)
        if (platform, external_id) in seen or taken.exists():
            errors[f"identities.{index}.external_id"] = ValidationError(
                _("Another customer already has the identity %(external_id)s on this platform."),
                code="duplicate_identity",
                params={"external_id": external_id},
            )
            continue
        seen.add((platform, external_id))
        pairs.append((platform, external_id))
    if errors:
        raise ValidationError(errors)
    return pairs


def customer_create(
    *,
    actor: User | None,
    fields: Mapping[str, Any],
    identities: Sequence[IdentityInput] = (),
    tags: Sequence[str] = (),
    via: str = "",
    ip_address: str | None = None,
) -> Customer:
    """Create a customer with identities and tags (created by name when new); audit the creation."""
    permission_require(actor, Capability.CUSTOMER_WRITE)
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned = _clean_fields(fields)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        pairs = _check_identities(identities)
    except ValidationError as exc:
        errors.update(exc.error_dict)
        pairs = []
    customer = Customer(**cleaned)
    if not errors:
        try:
            _full_clean(customer)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if not errors and not (customer.name or customer.phone or customer.email or pairs):
        errors["name"] = [
            ValidationError(_("Give at least a name, a phone number, an e-mail address or an identity."), code="empty_customer")
        ]
    if errors:
        raise ValidationError(errors)
    if any(cleaned.get(name) for name in _CONSENT_FIELDS):
        customer.consent_updated_at = timezone.now()
    try:
        with transaction.atomic():
            customer.save()
            CustomerIdentity.objects.bulk_create(
                [CustomerIdentity(customer=customer, platform=platform, external_id=external_id) for platform, external_id in pairs]
            )
            tag_objects = _tags_get_or_create(tags)
            customer.tags.set(tag_objects)
            changes = {name: [None, audit_value(value)] for name, value in cleaned.items() if value not in ("", None, [], False)}
            if pairs:
                changes["identities"] = [None, [f"{platform}:{external_id}" for platform, external_id in pairs]]
            if tag_objects:
                changes["tags"] = [None, sorted(tag.name for tag in tag_objects)]
            audit_record(actor=actor, action=AuditAction.CREATE, obj=customer, changes=changes, via=via, ip_address=ip_address)
    except IntegrityError as exc:  # an identity taken by a concurrent request
        raise ValidationError(
            {"identities": ValidationError(_("Another customer already has one of these identities."), code="duplicate_identity")}
        ) from exc
    return customer


def customer_update(
    *,
    actor: User | None,
    customer: Customer,
    fields: Mapping[str, Any],
    tags: Sequence[str] | None = None,
    via: str = "",
    ip_address: str | None = None,
) -> Customer:
    """Change some fields of a profile (and replace its tags when given); audit what changed."""
    permission_require(actor, Capability.CUSTOMER_WRITE)
    cleaned = _clean_fields(fields)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        changes = field_changes(customer, cleaned)
        _full_clean(customer)
        if any(name in changes for name in _CONSENT_FIELDS):
            customer.consent_updated_at = timezone.now()
        if tags is not None:
            old_names = sorted(customer.tags.values_list("name", flat=True))
            tag_objects = _tags_get_or_create(tags)
            new_names = sorted(tag.name for tag in tag_objects)
            if old_names != new_names:
                customer.tags.set(tag_objects)
                changes["tags"] = [old_names, new_names]
        if changes:
            customer.save()
            audit_record(actor=actor, action=AuditAction.UPDATE, obj=customer, changes=changes, via=via, ip_address=ip_address)
    return customer


def customer_identity_add(
    *, actor: User | None, customer: Customer, platform: str, external_id: str, via: str = "", ip_address: str | None = None
) -> CustomerIdentity:
    """Link one more platform identity to a customer; audit it as an update."""
    permission_require(actor, Capability.CUSTOMER_WRITE)
    ((platform, external_id),) = _check_identities([{"platform": platform, "external_id": external_id}], customer=customer)
    identity, _created = CustomerIdentity.objects.get_or_create(customer=customer, platform=platform, external_id=external_id)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=customer,
        changes={"identities": [None, f"{platform}:{external_id}"]},
        via=via,
        ip_address=ip_address,
    )
    return identity


def customer_note_create(
    *, actor: User | None, customer: Customer, body: str, via: str = "", ip_address: str | None = None
) -> CustomerNote:
    """Add an agent's note to a customer; audit it."""
    permission_require(actor, Capability.CUSTOMER_WRITE)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": ValidationError(_("This field is required."), code="required")})
    with transaction.atomic():
        note = CustomerNote.objects.create(customer=customer, author=actor, body=body)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=note,
            changes={"customer_id": [None, customer.pk], "body": [None, body]},
            via=via,
            ip_address=ip_address,
        )
    return note


def customer_contact_view_record(
    *, actor: User | None, customer: Customer, via: str = "", ip_address: str | None = None
) -> None:
    """Audit that someone opened a customer's unmasked phone number and address."""
    if viewer_sees_contact_details(actor) and (customer.phone or customer.address):
        audit_record(actor=actor, action=AuditAction.VIEW, obj=customer, via=via, ip_address=ip_address)
