from django.urls import path

from . import health, views, views_assist, views_chat, views_workbench

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.KefuLoginView.as_view(), name="login"),
    path("logout/", views.KefuLogoutView.as_view(), name="logout"),
    path("healthz", health.healthz, name="healthz"),
    # the customer chat: embeddable widget script, chat page (standalone and in the widget's iframe), image upload
    path("widget.js", views_chat.widget_js, name="widget_js"),
    path("chat/<str:key>/", views_chat.chat_page, name="chat"),
    path("chat/<str:key>/upload", views_chat.chat_upload, name="chat_upload"),
    # the agent workbench (工作台)
    path("workbench/", views_workbench.workbench, name="workbench"),
    path("workbench/conversations", views_workbench.conversation_list, name="workbench_conversations"),
    path("workbench/conversations/<int:pk>", views_workbench.conversation_detail, name="workbench_conversation"),
    path("workbench/conversations/<int:pk>/messages", views_workbench.conversation_messages, name="workbench_messages"),
    path("workbench/conversations/<int:pk>/assist", views_assist.assist_panel, name="workbench_assist"),
    path("workbench/conversations/<int:pk>/guard-decisions", views_assist.guard_decision, name="workbench_guard_decision"),
    path("workbench/conversations/<int:pk>/suggestion-feedback", views_assist.suggestion_feedback, name="workbench_suggestion_feedback"),
    path("workbench/guard/check", views_assist.guard_check, name="workbench_guard_check"),
    path("workbench/phrases", views_workbench.phrases, name="workbench_phrases"),
    path("workbench/transfer-targets", views_workbench.transfer_targets, name="workbench_transfer_targets"),
    path("workbench/upload", views_workbench.upload, name="workbench_upload"),
    path("workbench/customers/<int:customer_id>/panel", views_workbench.customer_panel, name="workbench_customer_panel"),
    path("workbench/customers/<int:customer_id>/tags", views_workbench.customer_tag_add, name="workbench_tag_add"),
    path("workbench/customers/<int:customer_id>/tags/remove", views_workbench.customer_tag_remove, name="workbench_tag_remove"),
    path("workbench/customers/<int:customer_id>/notes", views_workbench.customer_note_add, name="workbench_note_add"),
]
