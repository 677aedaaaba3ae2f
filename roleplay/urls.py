from django.urls import path

from roleplay import live_views, views

app_name = "roleplay"
urlpatterns = [
    path("characters/", views.character_list, name="character-list"),
    path("characters/new/", views.character_edit, name="character-create"),
    path("characters/<int:pk>/", views.character_detail, name="character-detail"),
    path("characters/<int:pk>/edit/", views.character_edit, name="character-edit"),
    path("dialogues/", views.dialogue_list, name="dialogue-list"),
    path("dialogues/<int:pk>/", views.dialogue_detail, name="dialogue-detail"),
    path("live/", live_views.live_waiting_room, name="live-waiting-room"),
    path("live/<int:session_id>/", live_views.live_chat, name="live-chat"),
]
