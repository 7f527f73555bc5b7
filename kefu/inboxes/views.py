"""Back-office pages for chat settings: inboxes' hours, greeting and timers; teams' routing policy."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.models import Team
from kefu.accounts.permissions import Capability, user_can

from .forms import InboxChatForm, TeamRoutingForm
from .models import Inbox
from .options import InboxOptions
from .services import inbox_chat_options_update, team_routing_update


def _require(request: HttpRequest) -> None:
    if not user_can(request.user, Capability.ROUTING_WRITE):
        raise PermissionDenied(_("Only supervisors and administrators may change chat settings and routing."))


@login_required
def chat_settings(request: HttpRequest) -> HttpResponse:
    _require(request)
    inboxes = [(inbox, InboxOptions.of(inbox)) for inbox in Inbox.objects.prefetch_related("teams").order_by("name")]
    teams = [(team, TeamRoutingForm(initial={"policy": team.routing_policy}, prefix=f"team{team.pk}")) for team in Team.objects.order_by("name")]
    return render(request, "inboxes/chat_settings.html", {"inboxes": inboxes, "teams": teams})


@login_required
def inbox_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    inbox = get_object_or_404(Inbox, pk=pk)
    form = InboxChatForm(request.POST or None, inbox=inbox)
    if request.method == "POST" and form.is_valid():
        inbox_chat_options_update(
            inbox=inbox, actor=request.user, greeting=form.cleaned_data["greeting"], options=form.options(), bot_enabled=form.cleaned_data["bot_enabled"]
        )
        messages.success(request, _("Saved. New messages in %(inbox)s use these settings.") % {"inbox": inbox.name})
        return redirect("inboxes:chat_settings")
    return render(request, "inboxes/inbox_edit.html", {"inbox": inbox, "form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def team_routing(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    team = get_object_or_404(Team, pk=pk)
    form = TeamRoutingForm(request.POST, prefix=f"team{team.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose one of the routing policies."))
        return redirect("inboxes:chat_settings")
    team_routing_update(team=team, actor=request.user, policy=form.cleaned_data["policy"])
    messages.success(request, _("%(team)s now uses: %(policy)s.") % {"team": team.name, "policy": team.get_routing_policy_display()})
    return redirect("inboxes:chat_settings")
