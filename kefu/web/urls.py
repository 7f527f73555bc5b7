from django.urls import path

from . import health, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.KefuLoginView.as_view(), name="login"),
    path("logout/", views.KefuLogoutView.as_view(), name="logout"),
    path("healthz", health.healthz, name="healthz"),
]
