from django.urls import path

from training.consumers import HumanMachineChatConsumer

websocket_urlpatterns = [path("ws/training/chat/<int:dialogue_id>/", HumanMachineChatConsumer.as_asgi())]
