from django.urls import path

from roleplay.consumers import LiveChatConsumer, LiveQueueConsumer

websocket_urlpatterns = [
    path("ws/roleplay/queue/", LiveQueueConsumer.as_asgi()),
    path("ws/roleplay/live/<int:session_id>/", LiveChatConsumer.as_asgi()),
]
