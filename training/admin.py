from django.contrib import admin

from platform_core.admin_lean import LeanModelAdmin
from training.models import Deployment, DiscardedReply, ModelVersion, TrainingJob, TrainingMetric


@admin.register(ModelVersion)
class ModelVersionAdmin(LeanModelAdmin):
    list_display = ("name", "base_model", "generation", "method", "serving_backend", "created_at")
    list_filter = ("generation", "method", "serving_backend")
    search_fields = ("name", "base_model")


@admin.register(TrainingJob)
class TrainingJobAdmin(LeanModelAdmin):
    list_display = ("id", "name", "status", "method", "hardware", "current_step", "max_steps", "created_at")
    list_filter = ("status", "method", "hardware")
    search_fields = ("name", "base_model")
    # Jobs change state only through the services (worker, cancel, resume).
    readonly_fields = [f.name for f in TrainingJob._meta.fields]


@admin.register(TrainingMetric)
class TrainingMetricAdmin(LeanModelAdmin):
    list_display = ("job", "event", "step", "loss", "eval_loss", "tokens_per_s")
    list_filter = ("event",)


@admin.register(Deployment)
class DeploymentAdmin(LeanModelAdmin):
    list_display = ("model_version", "active", "deployed_by", "deployed_at", "retired_at")
    list_filter = ("active",)
    # Deploy and roll back through the models page, so the switch stays atomic and audited.
    readonly_fields = [f.name for f in Deployment._meta.fields]


@admin.register(DiscardedReply)
class DiscardedReplyAdmin(LeanModelAdmin):
    list_display = ("dialogue", "seq", "model_version", "created_at")
