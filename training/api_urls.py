from platform_core.rest import ApiRouter
from training import api

router = ApiRouter()
router.register("jobs", api.TrainingJobViewSet, basename="training-job")
router.register("models", api.ModelVersionViewSet, basename="model-version")
router.register("deployments", api.DeploymentViewSet, basename="deployment")
router.register("chat-rounds", api.ChatRoundViewSet, basename="chat-round")

urlpatterns = router.urls
