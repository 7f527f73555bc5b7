"""The customer's follow-up page: include at ``tickets/followup/``, before ``tickets/``."""

from django.urls import path

from . import views_followup

app_name = "tickets_followup"

urlpatterns = [
    path("<str:token>/", views_followup.answer, name="answer"),
]
