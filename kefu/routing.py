"""WebSocket routes of all apps, gathered in one place."""

websocket_urlpatterns: list = []
