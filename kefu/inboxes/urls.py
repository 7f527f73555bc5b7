from django.urls import path

from . import views

app_name = "inboxes"

urlpatterns = [
    path("", views.chat_settings, name="chat_settings"),
    path("inboxes/<int:pk>/", views.inbox_edit, name="inbox_edit"),
    path("teams/<int:pk>/routing", views.team_routing, name="team_routing"),
]
