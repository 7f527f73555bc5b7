"""The first pages: sign-in, sign-out and the agent's home page."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url

from kefu.accounts.enums import Role
from kefu.conversations.selectors import conversation_counts_for, conversations_recent_for


class KefuLoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Send agents straight to the workbench they work in; supervisors and admins to the home page."""
        user = self.request.user
        if user.is_authenticated and user.role == Role.AGENT and not user.is_superuser:
            return resolve_url("web:workbench")
        return super().get_default_redirect_url()


class KefuLogoutView(auth_views.LogoutView):
    """Sign out by POST only (Django 5), then back to the sign-in page."""


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "role_label": Role.ADMIN.label if user.is_admin else user.get_role_display(),
        "teams": list(user.teams.all()),
        "sees_all": user.is_supervisor_or_admin,
        "counts": conversation_counts_for(user),
        "recent": conversations_recent_for(user, limit=10),
    }
    return render(request, "web/home.html", context)
