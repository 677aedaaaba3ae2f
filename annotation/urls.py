from django.urls import path

from annotation import views

app_name = "annotation"
urlpatterns = [
    path("", views.index, name="index"),
    # Synthesis (researchers, admins)
    path("batches/", views.batch_list, name="batch-list"),
    path("batches/new/", views.batch_create, name="batch-create"),
    path("batches/import/", views.batch_import, name="batch-import"),
    path("batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/retry/", views.batch_retry, name="batch-retry"),
    path("templates/", views.template_list, name="template-list"),
    path("templates/new/", views.template_create, name="template-create"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template-edit"),
    # Rewrite review (annotators) and adjudication (admins)
    path("review/", views.review_queue, name="review-queue"),
    path("review/next/", views.review_next, name="review-next"),
    path("review/<int:pk>/", views.review_task, name="review-task"),
    path("tasks/<int:pk>/release/", views.task_release, name="task-release"),
    path("adjudications/", views.adjudication_list, name="adjudication-list"),
    path("adjudications/<int:pk>/", views.adjudication_detail, name="adjudication-detail"),
    # Literary extraction
    path("works/", views.work_list, name="work-list"),
    path("works/upload/", views.work_upload, name="work-upload"),
    path("works/<int:pk>/", views.work_detail, name="work-detail"),
    path("extraction/", views.extraction_queue, name="extraction-queue"),
    path("extraction/next/", views.extraction_next, name="extraction-next"),
    path("extraction/<int:pk>/", views.extraction_task, name="extraction-task"),
    # Character-prompt writing (crowdworkers)
    path("prompts/", views.prompt_queue, name="prompt-queue"),
    path("prompts/next/<str:kind>/", views.prompt_next, name="prompt-next"),
    path("prompts/write/<int:pk>/", views.prompt_write, name="prompt-write"),
    path("prompts/variants/<int:pk>/", views.prompt_variants, name="prompt-variants"),
    path("prompts/tasks/new/", views.prompt_tasks_create, name="prompt-tasks-create"),
    path("prompts/<int:pk>/augment/", views.prompt_augment_again, name="prompt-augment"),
    # Quality control (admins)
    path("quality/", views.quality, name="quality"),
    path("quality/workers/<int:user_id>/block/", views.worker_block, name="worker-block"),
    path("quality/gold/", views.gold_create, name="gold-create"),
]
