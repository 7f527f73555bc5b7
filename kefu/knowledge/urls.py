from django.urls import path

from . import views

app_name = "knowledge"

urlpatterns = [
    path("", views.home, name="home"),
    path("faq/", views.faq_list, name="faq_list"),
    path("faq/bulk", views.faq_bulk, name="faq_bulk"),
    path("phrases/", views.phrase_list, name="phrases_list"),
    path("rules/", views.rule_list, name="rules_list"),
    path("rules/decisions/", views.guard_decisions, name="guard_decisions"),
    path("objections/", views.objection_list, name="objections_list"),
]

for _kind in views.KINDS:
    urlpatterns += [
        path(f"{_kind}/new/", views.item_edit, {"kind": _kind}, name=f"{_kind}_new"),
        path(f"{_kind}/<int:pk>/", views.item_edit, {"kind": _kind}, name=f"{_kind}_edit"),
        path(f"{_kind}/<int:pk>/delete/", views.item_delete, {"kind": _kind}, name=f"{_kind}_delete"),
        path(f"{_kind}/export.csv", views.csv_export, {"kind": _kind}, name=f"{_kind}_export"),
        path(f"{_kind}/import/", views.csv_import, {"kind": _kind}, name=f"{_kind}_import"),
    ]
