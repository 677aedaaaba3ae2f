from rest_framework.routers import SimpleRouter

from exports import api

router = SimpleRouter()
router.register("specs", api.ExportSpecViewSet, basename="export-spec")
router.register("builds", api.ExportBuildViewSet, basename="export-build")

urlpatterns = router.urls
