"""Admin for customers, their identities on each platform, notes and tags."""

from django.contrib import admin
from django.db.models import Count
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kefu.accounts.admin_audit import AuditedAdminMixin

from .masking import mask_phone, viewer_sees_contact_details
from .models import Customer, CustomerIdentity, CustomerNote, Tag

CONTACT_FIELDS = ("phone", "email", "address")


class CustomerIdentityInline(admin.TabularInline):
    model = CustomerIdentity
    extra = 0
    fields = ("platform", "external_id", "created_at")
    readonly_fields = ("created_at",)


class CustomerNoteInline(admin.StackedInline):
    model = CustomerNote
    extra = 0
    fields = ("body", "author", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("author",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "color", "customer_count")
    search_fields = ("name",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(customer_count=Count("customers"))

    @admin.display(description=_("customers"), ordering="customer_count")
    def customer_count(self, obj: Tag) -> int:
        return obj.customer_count


@admin.register(Customer)
class CustomerAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "gender",
        "age",
        "province",
        "city",
        "phone",
        "value_level",
        "loyalty",
        "created_at",
    )
    list_filter = (
        "value_level",
        "loyalty",
        "gender",
        "province",
        "identities__platform",
        "need_type",
        "buying_behaviour",
        "temperament",
        "tags",
        "consent_marketing",
    )
    search_fields = ("name", "phone", "email", "identities__external_id", "city")
    date_hierarchy = "created_at"
    autocomplete_fields = ("tags",)
    readonly_fields = ("age", "created_at", "updated_at", "consent_updated_at")
    inlines = (CustomerIdentityInline, CustomerNoteInline)
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("name", "gender", "birthday", "age", "tags")}),
        (_("Contact"), {"fields": ("phone", "email", "province", "city", "address")}),
        (
            _("Classification"),
            {"fields": ("value_level", "loyalty", "need_type", "buying_behaviour", "temperament", "hobbies")},
        ),
        (
            _("Consent"),
            {"fields": ("consent_marketing", "consent_sms", "consent_email", "consent_updated_at")},
        ),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("age"), ordering="-birthday")
    def age(self, obj: Customer) -> int | str:
        return obj.age if obj.age is not None else self.get_empty_value_display()

    @admin.display(description=_("phone"), ordering="phone")
    def phone_masked(self, obj: Customer) -> str:
        return mask_phone(obj.phone)

    def get_list_display(self, request: HttpRequest):
        """Staff without the right to see contact details get masked phone numbers."""
        columns = super().get_list_display(request)
        if viewer_sees_contact_details(request.user):
            return columns
        return tuple("phone_masked" if column == "phone" else column for column in columns)

    def get_fieldsets(self, request: HttpRequest, obj: Customer | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        if viewer_sees_contact_details(request.user):
            return fieldsets
        return [
            (title, {**options, "fields": tuple(f for f in options["fields"] if f not in CONTACT_FIELDS)})
            for title, options in fieldsets
        ]


@admin.register(CustomerIdentity)
class CustomerIdentityAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("external_id", "platform", "customer", "created_at")
    list_filter = ("platform",)
    search_fields = ("external_id", "customer__name", "customer__phone")
    list_select_related = ("customer",)
    autocomplete_fields = ("customer",)
    readonly_fields = ("created_at",)
