import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import BuyingBehaviour, Gender, Loyalty, NeedType, Platform, Temperament, ValueLevel


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=32, unique=True)
    color = models.CharField(_("colour"), max_length=16, blank=True, default="#64748b")

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """A shop's customer (客户资料), recognised across channels through identities."""

    name = models.CharField(_("name"), max_length=64, blank=True, db_index=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True, default=Gender.UNKNOWN)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    province = models.CharField(_("province"), max_length=32, blank=True, db_index=True)
    city = models.CharField(_("city"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    hobbies = models.JSONField(_("hobbies"), default=list, blank=True)
    tags = models.ManyToManyField(Tag, related_name="customers", blank=True, verbose_name=_("tags"))
    value_level = models.CharField(_("value"), max_length=8, choices=ValueLevel.choices, blank=True, default="")
    loyalty = models.CharField(_("loyalty"), max_length=12, choices=Loyalty.choices, blank=True, default="")
    need_type = models.CharField(_("need"), max_length=12, choices=NeedType.choices, blank=True, default="")
    buying_behaviour = models.CharField(_("buying behaviour"), max_length=12, choices=BuyingBehaviour.choices, blank=True, default="")
    temperament = models.CharField(_("temperament"), max_length=12, choices=Temperament.choices, blank=True, default="")
    consent_marketing = models.BooleanField(_("accepts marketing"), default=False)
    consent_sms = models.BooleanField(_("accepts SMS"), default=False)
    consent_email = models.BooleanField(_("accepts e-mail"), default=False)
    consent_updated_at = models.DateTimeField(_("consent updated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"

    @property
    def age(self) -> int | None:
        """Age in whole years today, derived from the birthday."""
        if not self.birthday:
            return None
        today = timezone.localdate()
        return today.year - self.birthday.year - ((today.month, today.day) < (self.birthday.month, self.birthday.day))

    def age_on(self, day: datetime.date) -> int | None:
        if not self.birthday:
            return None
        return day.year - self.birthday.year - ((day.month, day.day) < (self.birthday.month, self.birthday.day))


class CustomerIdentity(models.Model):
    """One way a customer is known on one platform; unique, so one person is one customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities", verbose_name=_("customer"))
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    external_id = models.CharField(_("identifier"), max_length=128, help_text=_("Member name, phone, e-mail or visitor id"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer identity")
        verbose_name_plural = _("customer identities")
        constraints = [models.UniqueConstraint(fields=["platform", "external_id"], name="uniq_identity_per_platform")]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.external_id}"


class CustomerNote(models.Model):
    """An agent's note on a customer (联系人备注)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes", verbose_name=_("customer"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("author"))
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer note")
        verbose_name_plural = _("customer notes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.body[:40]
