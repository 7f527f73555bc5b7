from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from kefu.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # chat images: unguessable names, served by the app itself so the embedded setup needs no web server
    re_path(r"^media/(?P<path>chat/[0-9]{4}/[0-9]{2}/[0-9a-f]{32}\.(?:png|jpg|gif|webp))$", serve, {"document_root": settings.MEDIA_ROOT}),
    path("settings/chat/", include("kefu.inboxes.urls")),
    path("knowledge/", include("kefu.knowledge.urls")),
    path("tickets/followup/", include("kefu.tickets.urls_followup")),
    path("notifications/", include("kefu.tickets.urls_notifications")),
    path("incidents/", include("kefu.tickets.urls_incidents")),
    path("", include("kefu.web.urls")),
    path("tickets/", include("kefu.tickets.urls")),
]
