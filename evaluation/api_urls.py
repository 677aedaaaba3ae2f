from rest_framework.routers import SimpleRouter

from evaluation import api

app_name = "evaluation-api"
router = SimpleRouter()
router.register("campaigns", api.CampaignViewSet, basename="campaign")
router.register("sessions", api.AssignmentViewSet, basename="session")

urlpatterns = router.urls
