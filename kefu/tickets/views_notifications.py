"""The agent's notifications: a list, opening one (marks it read) and marking all read."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .models import Notification
from .notifications import notification_mark_read, notifications_unread_counts

PAGE = 100


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("unread") == "1"
    notifications = Notification.objects.filter(user=request.user)
    if only_unread:
        notifications = notifications.filter(read_at__isnull=True)
    context = {
        "notifications": list(notifications.order_by("-created_at", "-id")[:PAGE]),
        "unread": notifications_unread_counts(user_ids=[request.user.pk]).get(request.user.pk, 0),
        "only_unread": only_unread,
    }
    return render(request, "tickets/notifications/list.html", context)


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    notification_mark_read(user=request.user, notification_ids=[notification.pk])
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(notification.url)
    return redirect("tickets_notifications:list")


@login_required
@require_POST
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()]
    notification_mark_read(user=request.user, notification_ids=ids or None)
    return redirect("tickets_notifications:list")
