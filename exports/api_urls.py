from exports import api
from platform_core.rest import ApiRouter

router = ApiRouter()
router.register("specs", api.ExportSpecViewSet, basename="export-spec")
router.register("builds", api.ExportBuildViewSet, basename="export-build")

urlpatterns = router.urls
