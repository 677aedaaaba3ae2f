from rest_framework.routers import SimpleRouter

from annotation import api

router = SimpleRouter()
router.register("batches", api.SynthesisBatchViewSet, basename="batch")
router.register("tasks", api.AnnotationTaskViewSet, basename="task")
router.register("works", api.LiteraryWorkViewSet, basename="work")

urlpatterns = router.urls
