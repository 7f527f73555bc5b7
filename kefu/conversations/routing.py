"""WebSocket routes of live chat."""

from django.urls import path

from .consumers import AgentConsumer, CustomerConsumer

websocket_urlpatterns = [
    path("ws/chat/<str:key>/", CustomerConsumer.as_asgi()),
    path("ws/agent/", AgentConsumer.as_asgi()),
]
