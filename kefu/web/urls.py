from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.KefuLoginView.as_view(), name="login"),
    path("logout/", views.KefuLogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
]
