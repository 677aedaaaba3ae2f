from platform_core.rest import ApiRouter
from roleplay import api

router = ApiRouter()
router.register("characters", api.CharacterViewSet, basename="character")
router.register("personas", api.PlayerPersonaViewSet, basename="persona")
router.register("prompts", api.CharacterPromptViewSet, basename="prompt")
router.register("dialogues", api.DialogueViewSet, basename="dialogue")

urlpatterns = router.urls
