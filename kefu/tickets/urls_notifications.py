"""The agent's notifications: include at ``notifications/``."""

from django.urls import path

from . import views_notifications

app_name = "tickets_notifications"

urlpatterns = [
    path("", views_notifications.notification_list, name="list"),
    path("read", views_notifications.notifications_mark_read, name="mark_read"),
    path("<int:pk>/open", views_notifications.notification_open, name="open"),
]
