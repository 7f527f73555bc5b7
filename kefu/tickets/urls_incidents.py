"""The supervisors' incident pages: include at ``incidents/``."""

from django.urls import path

from . import views_incidents

app_name = "tickets_incidents"

urlpatterns = [
    path("", views_incidents.incident_list, name="list"),
    path("<int:pk>/", views_incidents.incident_detail, name="detail"),
    path("<int:pk>/acknowledge", views_incidents.incident_acknowledge_view, name="acknowledge"),
    path("<int:pk>/message", views_incidents.incident_message_view, name="message"),
    path("<int:pk>/link", views_incidents.incident_link_view, name="link"),
    path("<int:pk>/resolve", views_incidents.incident_resolve_view, name="resolve"),
]
