from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("create/", views.ticket_new, name="new"),
    path("new/", views.ticket_public_new, name="public_new"),
    path("views/", views.saved_view_save, name="view_save"),
    path("views/<int:view_id>/delete/", views.saved_view_delete, name="view_delete"),
    path("playbooks/", views.playbook_list, name="playbooks"),
    path("playbooks/<int:playbook_id>/", views.playbook_edit, name="playbook_edit"),
    path("customers/<int:customer_id>/", views.customer_tickets, name="customer_tickets"),
    path("compensation-rules/", views.compensation_policies, name="compensation_policies"),
    path("compensation-rules/<int:policy_id>/", views.compensation_policies, name="compensation_policy_edit"),
    path("settings/", views.settings_home, name="settings"),
    path("settings/sla/", views.sla_policies, name="sla_policies"),
    path("settings/sla/<int:policy_id>/", views.sla_policies, name="sla_policy_edit"),
    path("settings/sla/<int:policy_id>/deactivate/", views.sla_policy_deactivate, name="sla_policy_deactivate"),
    path("settings/calendar/", views.business_calendar, name="calendars"),
    path("settings/calendar/new/", views.business_calendar_new, name="calendar_new"),
    path("settings/calendar/<int:calendar_id>/", views.business_calendar, name="calendar"),
    path("settings/calendar/<int:calendar_id>/holidays/", views.holiday_add, name="holiday_add"),
    path("settings/calendar/<int:calendar_id>/holidays/import/", views.holidays_import, name="holidays_import"),
    path("settings/calendar/<int:calendar_id>/holidays/<int:holiday_id>/delete/", views.holiday_remove, name="holiday_remove"),
    path("<int:ticket_id>/", views.ticket_detail, name="detail"),
    path("<int:ticket_id>/transition/", views.ticket_transition, name="transition"),
    path("<int:ticket_id>/assign/", views.ticket_assign, name="assign"),
    path("<int:ticket_id>/comment/", views.ticket_comment, name="comment"),
    path("<int:ticket_id>/decline/", views.ticket_decline, name="decline"),
    path("<int:ticket_id>/checklist/", views.ticket_checklist, name="checklist"),
    path("<int:ticket_id>/returns/", views.return_request, name="return_request"),
    path("<int:ticket_id>/returns/<int:rma_id>/<str:step>/", views.return_step, name="return_step"),
    path("<int:ticket_id>/refunds/", views.refund_create, name="refund_create"),
    path("<int:ticket_id>/refunds/<int:refund_id>/<str:decision>/", views.refund_decide, name="refund_decide"),
    path("<int:ticket_id>/compensation/", views.compensation_propose, name="compensation_propose"),
    path("<int:ticket_id>/compensation/<int:compensation_id>/<str:decision>/", views.compensation_decide, name="compensation_decide"),
]
