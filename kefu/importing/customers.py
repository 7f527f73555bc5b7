"""Import a customer list (客户资料): upsert by identity (member name, else phone, else e-mail)."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.customers.models import Customer, CustomerIdentity, Tag

from . import cells
from .cells import RowError
from .enums import ImportKind
from .importers import BatchOutcome, Importer, RowGroup, bulk_update_rows, identities_lookup, identity_keys

_TEXT = {"name": 64, "province": 32, "city": 32, "address": 255}
_PROFILE_FIELDS = ["name", "gender", "birthday", "province", "city", "address", "phone", "email", "hobbies"]


class CustomerImporter(Importer):
    kind = ImportKind.CUSTOMERS

    def parse_row(self, row: dict[str, Any]) -> dict[str, Any]:
        labels = self.labels
        profile: dict[str, Any] = {}
        for name, length in _TEXT.items():
            value = cells.text(row.get(name))
            if value:
                profile[name] = value[:length]
        if "gender" in row and cells.text(row["gender"]):
            profile["gender"] = cells.gender(row["gender"], label=labels["gender"])
        if "birthday" in row:
            birthday = cells.day(row["birthday"], label=labels["birthday"])
            if birthday is not None:
                profile["birthday"] = birthday
        phone = cells.phone(row.get("phone"))
        raw_email = cells.text(row.get("email"))
        email = cells.email(raw_email)
        if raw_email and not email and "*" not in raw_email:
            raise RowError(_("%(column)s: %(value)s is not an e-mail address") % {"column": labels["email"], "value": raw_email})
        if phone:
            profile["phone"] = phone
        if email:
            profile["email"] = email
        hobbies = cells.items_list(row.get("hobbies"))
        if hobbies:
            profile["hobbies"] = hobbies
        buyer = cells.text(row.get("buyer"))[:128]
        identities = identity_keys(platform=self.platform, buyer=buyer, phone=phone, email=email)
        if not identities:
            raise RowError(_("no buyer member name, phone or e-mail to recognise the customer"))
        return {"profile": profile, "identities": identities, "tags": [tag[:32] for tag in cells.items_list(row.get("tags"))]}

    def write_batch(self, groups: list[RowGroup]) -> BatchOutcome:
        outcome = BatchOutcome()
        records = [record for group in groups for record in group.records]
        known = identities_lookup({key for record in records for key in record["identities"]})
        existing_ids = set(known.values())
        existing = Customer.objects.in_bulk(list(existing_ids)) if existing_ids else {}

        pending: dict[tuple[str, str], Customer] = {}
        touched: dict[int, Customer] = {}  # id(customer) -> customer, in file order
        new_customers: list[Customer] = []
        wanted_identities: dict[tuple[str, str], Customer] = {}
        tags_of: dict[int, tuple[Customer, set[str]]] = {}
        for record in records:
            customer = None
            for key in record["identities"]:
                customer_id = known.get(key)
                customer = existing.get(customer_id) if customer_id else pending.get(key)
                if customer is not None:
                    break
            if customer is None:
                customer = Customer()
                new_customers.append(customer)
            for name, value in record["profile"].items():
                setattr(customer, name, value)
            for key in record["identities"]:
                if key not in known and key not in pending:
                    pending[key] = customer
                    wanted_identities[key] = customer
            touched[id(customer)] = customer
            if record["tags"]:
                tags_of.setdefault(id(customer), (customer, set()))[1].update(record["tags"])

        to_update = [customer for customer in touched.values() if customer.pk is not None]
        outcome.created = len(new_customers)
        outcome.updated = sum(1 for customer in to_update if customer.updated_at < self.started_at)  # not if this run created it
        if self.dry_run:
            return outcome

        now = timezone.now()
        Customer.objects.bulk_create(new_customers)
        for customer in to_update:
            customer.updated_at = now
        if to_update:
            bulk_update_rows(Customer, to_update, [*_PROFILE_FIELDS, "updated_at"])
        CustomerIdentity.objects.bulk_create(
            [CustomerIdentity(customer=customer, platform=platform, external_id=external_id) for (platform, external_id), customer in wanted_identities.items()],
            ignore_conflicts=True,
        )
        if tags_of:
            names = {name for _customer, tag_names in tags_of.values() for name in tag_names}
            tags = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
            missing = [Tag(name=name) for name in names if name not in tags]
            if missing:
                Tag.objects.bulk_create(missing, ignore_conflicts=True)
                tags = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
            through = Customer.tags.through
            through.objects.bulk_create(
                [through(customer_id=customer.pk, tag_id=tags[name]) for customer, tag_names in tags_of.values() for name in tag_names],
                ignore_conflicts=True,
            )
        return outcome
