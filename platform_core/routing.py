"""WebSocket routes of every app, gathered in one list for the ASGI router."""

from django.urls import path

from platform_core.app_routes import app_modules
from platform_core.consumers import ProgressConsumer

websocket_urlpatterns = [path("ws/progress/<str:topic>/", ProgressConsumer.as_asgi())]
for _app, module in app_modules("routing"):
    websocket_urlpatterns += module.websocket_urlpatterns
