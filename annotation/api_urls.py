from annotation import api
from platform_core.rest import ApiRouter

router = ApiRouter()
router.register("batches", api.SynthesisBatchViewSet, basename="batch")
router.register("tasks", api.AnnotationTaskViewSet, basename="task")
router.register("works", api.LiteraryWorkViewSet, basename="work")

urlpatterns = router.urls
