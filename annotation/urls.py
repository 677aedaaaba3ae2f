from django.urls import path

from annotation.views import extraction, prompts, quality, queue, review, synthesis

app_name = "annotation"
urlpatterns = [
    path("", queue.index, name="index"),
    # Synthesis (researchers, admins)
    path("batches/", synthesis.batch_list, name="batch-list"),
    path("batches/new/", synthesis.batch_create, name="batch-create"),
    path("batches/import/", synthesis.batch_import, name="batch-import"),
    path("batches/<int:pk>/", synthesis.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/retry/", synthesis.batch_retry, name="batch-retry"),
    path("templates/", synthesis.template_list, name="template-list"),
    path("templates/new/", synthesis.template_create, name="template-create"),
    path("templates/<int:pk>/edit/", synthesis.template_edit, name="template-edit"),
    # Rewrite review, dialogue review (annotators) and adjudication (admins)
    path("review/", review.review_queue, name="review-queue"),
    path("review/next/", review.review_next, name="review-next"),
    path("review/<int:pk>/", review.review_task, name="review-task"),
    path("dialogue-review/", review.dialogue_review_queue, name="dialogue-review-queue"),
    path("dialogue-review/next/", review.dialogue_review_next, name="dialogue-review-next"),
    path("dialogue-review/<int:pk>/", review.dialogue_review_task, name="dialogue-review-task"),
    path("tasks/<int:pk>/release/", queue.task_release, name="task-release"),
    path("adjudications/", review.adjudication_list, name="adjudication-list"),
    path("adjudications/<int:pk>/", review.adjudication_detail, name="adjudication-detail"),
    # Literary extraction
    path("works/", extraction.work_list, name="work-list"),
    path("works/upload/", extraction.work_upload, name="work-upload"),
    path("works/<int:pk>/", extraction.work_detail, name="work-detail"),
    path("extraction/", extraction.extraction_queue, name="extraction-queue"),
    path("extraction/next/", extraction.extraction_next, name="extraction-next"),
    path("extraction/<int:pk>/", extraction.extraction_task, name="extraction-task"),
    # Character-prompt writing (crowdworkers)
    path("prompts/", prompts.prompt_queue, name="prompt-queue"),
    path("prompts/next/<str:kind>/", prompts.prompt_next, name="prompt-next"),
    path("prompts/write/<int:pk>/", prompts.prompt_write, name="prompt-write"),
    path("prompts/variants/<int:pk>/", prompts.prompt_variants, name="prompt-variants"),
    path("prompts/tasks/new/", prompts.prompt_tasks_create, name="prompt-tasks-create"),
    path("prompts/<int:pk>/augment/", prompts.prompt_augment_again, name="prompt-augment"),
    # Quality control (admins)
    path("quality/", quality.quality, name="quality"),
    path("quality/workers/<int:user_id>/block/", quality.worker_block, name="worker-block"),
    path("quality/workers/<int:user_id>/unblock/", quality.worker_unblock, name="worker-unblock"),
    path("quality/gold/", quality.gold_create, name="gold-create"),
]
