"""The supervisors' pages: playbooks and compensation rules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kefu.accounts.permissions import Capability, permission_require, user_can
from kefu.knowledge.models import Playbook
from kefu.orders import services as order_services

from .. import forms, selectors, services
from .flash import _errors_text


@login_required
def playbook_list(request: HttpRequest) -> HttpResponse:
    permission_require(request.user, Capability.TICKET_READ)
    context = {"playbooks": list(Playbook.objects.order_by("problem")), "can_edit": user_can(request.user, Capability.PLAYBOOK_WRITE)}
    return render(request, "tickets/playbooks.html", context)


@login_required
def playbook_edit(request: HttpRequest, playbook_id: int) -> HttpResponse:
    permission_require(request.user, Capability.PLAYBOOK_WRITE)
    playbook = get_object_or_404(Playbook, pk=playbook_id)
    initial = {"title": playbook.title, **{name: "\n".join(getattr(playbook, name) or []) for name in ("causes", "handling", "offers", "prevention")}}
    form = forms.PlaybookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.playbook_update(actor=request.user, playbook=playbook, **form.cleaned_data)
            messages.success(request, _("Playbook saved."))
            return redirect("tickets:playbooks")
        except ValidationError as error:
            form.add_error(None, _errors_text(error))
    return render(request, "tickets/playbook_edit.html", {"form": form, "playbook": playbook})


@login_required
def compensation_policies(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    """List the compensation rules; supervisors add and change them on the same page."""
    from kefu.orders.models import CompensationPolicy

    user = request.user
    permission_require(user, Capability.TICKET_READ)
    can_edit = user_can(user, Capability.COMPENSATION_POLICY_WRITE)
    policy = get_object_or_404(CompensationPolicy, pk=policy_id) if policy_id else None
    form = None
    if can_edit:
        form = forms.CompensationPolicyForm(request.POST or None, instance=policy)
        if request.method == "POST" and form.is_valid():
            try:
                order_services.compensation_policy_save(actor=user, fields=form.service_fields(), policy=policy, via="web")
                messages.success(request, _("Compensation rule saved."))
                return redirect("tickets:compensation_policies")
            except ValidationError as error:
                form.add_error(None, _errors_text(error))
    elif request.method == "POST":
        raise PermissionDenied(_("Only supervisors and administrators may edit compensation rules."))
    context = {"policies": list(selectors.compensation_policies(actor=user)), "form": form, "editing": policy, "can_edit": can_edit}
    return render(request, "tickets/compensation_policies.html", context)
