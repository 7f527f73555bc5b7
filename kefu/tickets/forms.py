"""Forms of the ticket pages: they parse; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.orders.enums import ReturnKind, ReturnResolution

from .enums import ComplaintCause, TicketPriority, TicketStatus, TicketType

BLANK = [("", "—")]


class TicketFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=BLANK + [("open", _("Open (needs work)"))] + list(TicketStatus.choices))
    type = forms.ChoiceField(label=_("Type"), required=False, choices=BLANK + list(TicketType.choices))
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=BLANK + list(TicketPriority.choices))
    sla = forms.ChoiceField(label=_("SLA"), required=False, choices=BLANK)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None, choices=BLANK)
    assignee = forms.CharField(label=_("Assignee"), required=False, max_length=16)  # "me", "none" or an id
    product = forms.TypedChoiceField(label=_("Product"), required=False, coerce=int, empty_value=None, choices=BLANK)
    customer = forms.IntegerField(label=_("Customer"), required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, sla_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sla"].choices = BLANK + list(sla_choices)


class TicketCreateForm(forms.Form):
    customer = forms.IntegerField(label=_("Customer number"), min_value=1, required=False)
    order_number = forms.CharField(label=_("Order number"), max_length=64, required=False)
    conversation = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices)
    cause = forms.ChoiceField(label=_("Complaint cause"), required=False, choices=BLANK + list(ComplaintCause.choices))
    priority = forms.ChoiceField(label=_("Priority"), choices=TicketPriority.choices, initial=TicketPriority.NORMAL)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    take = forms.BooleanField(label=_("Assign to me"), required=False, initial=True)


class PublicTicketForm(forms.Form):
    """The customer's own form: no login; the order number and the phone prove the order is theirs."""

    order_number = forms.CharField(label=_("Order number"), max_length=64)
    phone = forms.CharField(label=_("Phone number of the order"), max_length=32)
    type = forms.ChoiceField(
        label=_("What happened"),
        choices=[
            (value, label)
            for value, label in TicketType.choices
            if value not in (TicketType.COMPLAINT, TicketType.SERVICE_ATTITUDE, TicketType.OTHER)
        ]
        + [(TicketType.COMPLAINT, TicketType.COMPLAINT.label), (TicketType.OTHER, TicketType.OTHER.label)],
    )
    description = forms.CharField(label=_("Describe the problem"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    is_internal = forms.BooleanField(label=_("Internal note (not sent to the customer)"), required=False)


class DeclineForm(forms.Form):
    rule = forms.IntegerField(label=_("Rule"), min_value=1)
    body = forms.CharField(label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000)


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=TicketStatus.choices)
    note = forms.CharField(required=False, max_length=1000)


class AssignForm(forms.Form):
    assignee = forms.IntegerField(min_value=1)
    team = forms.IntegerField(min_value=1, required=False)


class ChecklistForm(forms.Form):
    item_key = forms.CharField(max_length=64)
    done = forms.BooleanField(required=False)


class ReturnRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReturnKind.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)

    def __init__(self, *args, order=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_items = list(order.items.all()) if order is not None else []
        for item in self.order_items:
            self.fields[f"qty_{item.pk}"] = forms.IntegerField(
                label=item.title, required=False, min_value=0, max_value=item.quantity, initial=0
            )

    def items(self) -> list[dict]:
        return [
            {"order_item_id": item.pk, "quantity": self.cleaned_data.get(f"qty_{item.pk}") or 0}
            for item in self.order_items
            if self.cleaned_data.get(f"qty_{item.pk}")
        ]


class ShipBackForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=32)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=64)


class InspectForm(forms.Form):
    passed = forms.TypedChoiceField(label=_("Result"), coerce=lambda value: value == "yes", choices=[("yes", _("Passed")), ("no", _("Failed"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class CompleteForm(forms.Form):
    resolution = forms.ChoiceField(label=_("Resolution"), choices=ReturnResolution.choices)
    refund_amount = forms.DecimalField(label=_("Amount (partial refund)"), required=False, min_value=0, max_digits=12, decimal_places=2)


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=12, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=255)


class PlaybookForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=128)
    causes = forms.CharField(label=_("Causes to check (one per line)"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    handling = forms.CharField(label=_("Handling steps (one per line)"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    offers = forms.CharField(label=_("What to offer (one per line)"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    prevention = forms.CharField(label=_("Prevention (one per line)"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    query = forms.CharField(required=False, max_length=500)


class CompensationPolicyForm(forms.ModelForm):
    class Meta:
        from kefu.orders.models import CompensationPolicy

        model = CompensationPolicy
        fields = ("name", "trigger", "min_days_late", "category", "carrier", "kind", "value", "max_amount", "requires_supervisor_above", "active")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from kefu.orders.enums import CompensationKind

        self.fields["category"].empty_label = _("Any category")
        self.fields["kind"].choices = CompensationKind.choices  # required: no empty "---------" choice

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        category = data.pop("category", None)
        data["category_id"] = category.pk if category else None
        return data
