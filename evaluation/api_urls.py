from evaluation import api
from platform_core.rest import ApiRouter

app_name = "evaluation-api"
router = ApiRouter()
router.register("campaigns", api.CampaignViewSet, basename="campaign")
router.register("sessions", api.AssignmentViewSet, basename="session")

urlpatterns = router.urls
