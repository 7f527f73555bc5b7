"""The chat settings form: business hours per weekday as text such as 09:00-12:00, 13:30-22:00."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.accounts.enums import RoutingPolicy

from .options import WEEKDAYS, InboxOptions

PERIOD = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–~至]\s*(\d{1,2}:\d{2})\s*$")
DAY_LABELS = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}


def _parse_periods(text: str) -> list[list[str]]:
    periods = []
    for part in filter(None, (piece.strip() for piece in re.split(r"[,，;；]", text or ""))):
        match = PERIOD.match(part)
        if not match:
            raise forms.ValidationError(_("Write periods like 09:00-18:00, separated by commas."), code="format")
        try:
            start, end = (datetime.time.fromisoformat(value.zfill(5)) for value in match.groups())
        except ValueError:
            raise forms.ValidationError(_("%(value)s is not a time of day.") % {"value": part}, code="time") from None
        if start == end:
            raise forms.ValidationError(_("A period must not start and end at the same time."), code="empty")
        periods.append([start.strftime("%H:%M"), end.strftime("%H:%M")])
    return periods


class InboxChatForm(forms.Form):
    greeting = forms.CharField(
        label=_("Greeting"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Empty: the greeting phrases of the phrase library, by time of day and for returning customers."),
    )
    color = forms.RegexField(label=_("Colour"), regex=r"^#[0-9a-fA-F]{6}$", widget=forms.TextInput(attrs={"type": "color"}))
    bot_name = forms.CharField(label=_("Name of the system's voice"), max_length=16)
    holding_after_seconds = forms.IntegerField(label=_("Holding message after (seconds)"), min_value=5, max_value=3600)
    reply_target_seconds = forms.IntegerField(label=_("Reply target (seconds)"), min_value=5, max_value=3600)
    default_team_id = forms.TypedChoiceField(label=_("Team for new conversations"), coerce=int, required=False, empty_value=None)
    bot_enabled = forms.BooleanField(
        label=_("The answer bot serves new conversations"), required=False,
        help_text=_("It answers confident FAQ matches at once and hands over to the queue when unsure, asked for a person, or the customer is upset."),
    )
    bot_answer_confidence = forms.FloatField(
        label=_("Answer when the FAQ match is at least this sure (0-1)"), min_value=0.3, max_value=1.0,
        help_text=_("Higher: fewer but safer answers."),
    )
    bot_unsure_turns = forms.IntegerField(label=_("Hand over after this many unsure turns in a row"), min_value=1, max_value=10)
    bot_handover_intensity = forms.FloatField(
        label=_("Hand over when the customer's emotion reaches this intensity (0-1)"), min_value=0.1, max_value=1.0,
        help_text=_("An angry customer is always handed over."),
    )

    def __init__(self, *args, inbox, **kwargs):
        options = InboxOptions.of(inbox)
        initial = {
            "greeting": inbox.greeting,
            "color": options.color,
            "bot_name": options.bot_name,
            "holding_after_seconds": options.holding_after_seconds,
            "reply_target_seconds": options.reply_target_seconds,
            "default_team_id": options.default_team_id,
            "bot_enabled": inbox.bot_enabled,
            "bot_answer_confidence": options.bot_answer_confidence,
            "bot_unsure_turns": options.bot_unsure_turns,
            "bot_handover_intensity": options.bot_handover_intensity,
        }
        for day in WEEKDAYS:
            initial[f"hours_{day}"] = ", ".join(f"{a}-{b}" for a, b in options.hours.get(day, []))
        super().__init__(*args, initial=initial, **kwargs)
        teams = list(inbox.teams.order_by("pk"))
        self.fields["default_team_id"].choices = [("", _("The first owning team"))] + [(team.pk, team.name) for team in teams]
        for day in WEEKDAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=DAY_LABELS[day], required=False, max_length=100, help_text=_("Empty: closed all day."),
                widget=forms.TextInput(attrs={"placeholder": "09:00-22:00"}),
            )

    def bot_fields(self):
        return [self[name] for name in ("bot_enabled", "bot_answer_confidence", "bot_unsure_turns", "bot_handover_intensity")]

    def day_fields(self):
        return [self[f"hours_{day}"] for day in WEEKDAYS]

    def clean(self):
        cleaned = super().clean()
        hours = {}
        for day in WEEKDAYS:
            try:
                hours[day] = _parse_periods(cleaned.get(f"hours_{day}", ""))
            except forms.ValidationError as error:
                self.add_error(f"hours_{day}", error)
        cleaned["hours"] = hours
        return cleaned

    def options(self) -> dict:
        data = self.cleaned_data
        keys = (
            "color", "bot_name", "holding_after_seconds", "reply_target_seconds", "default_team_id", "hours",
            "bot_answer_confidence", "bot_unsure_turns", "bot_handover_intensity",
        )  # fmt: skip
        return {key: data[key] for key in keys}


class TeamRoutingForm(forms.Form):
    policy = forms.ChoiceField(label=_("Routing policy"), choices=RoutingPolicy.choices)
