"""WebSocket routes of all apps, gathered in one place."""

from kefu.conversations.routing import websocket_urlpatterns as conversation_routes

websocket_urlpatterns: list = [*conversation_routes]
