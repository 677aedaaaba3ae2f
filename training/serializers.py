from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from exports.models import ExportBuild
from roleplay.models import Character
from training.models import Deployment, Hardware, ModelVersion, ServingBackend, TrainingJob, TrainingMethod


def as_drf_error(error: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(
            {("non_field_errors" if k == "__all__" else k): v for k, v in error.message_dict.items()}
        )
    return serializers.ValidationError({"non_field_errors": error.messages})


class TrainingJobSerializer(serializers.ModelSerializer):
    model_version = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)

    class Meta:
        model = TrainingJob
        fields = [
            "id",
            "name",
            "export_build",
            "base_model",
            "method",
            "hyperparameters",
            "hardware",
            "num_gpus",
            "status",
            "progress",
            "current_step",
            "max_steps",
            "attempts",
            "result",
            "error",
            "model_version",
            "creator",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class TrainingJobCreateSerializer(serializers.Serializer):
    """Shape only; the service checks the base model directory, the build and every hyperparameter."""

    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    export_build = serializers.PrimaryKeyRelatedField(queryset=ExportBuild.objects.all())
    base_model = serializers.CharField(max_length=500)
    method = serializers.ChoiceField(choices=TrainingMethod.choices, default=TrainingMethod.LORA)
    hardware = serializers.ChoiceField(choices=Hardware.choices, default=Hardware.CPU)
    num_gpus = serializers.IntegerField(min_value=1, max_value=64, default=1)
    hyperparameters = serializers.DictField(required=False, default=dict)


class ModelVersionSerializer(serializers.ModelSerializer):
    active = serializers.SerializerMethodField()
    # "" for a model not trained here (an external or demo model).
    method = serializers.ChoiceField(choices=[("", _("Not trained here")), *TrainingMethod.choices], read_only=True)

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "name",
            "base_model",
            "weights_path",
            "generation",
            "method",
            "export_build",
            "hyperparameters",
            "metrics",
            "model_card",
            "serving_backend",
            "endpoint_url",
            "served_name",
            "runtime_lora",
            "server_adapter_path",
            "generation_settings",
            "created_at",
            "active",
        ]
        read_only_fields = [
            f
            for f in fields
            if f
            not in (
                "serving_backend",
                "endpoint_url",
                "served_name",
                "runtime_lora",
                "server_adapter_path",
                "generation_settings",
            )
        ]

    def get_active(self, version: ModelVersion) -> bool:
        return version.deployments.filter(active=True).exists()


class ServingUpdateSerializer(serializers.Serializer):
    serving_backend = serializers.ChoiceField(choices=ServingBackend.choices, required=False)
    endpoint_url = serializers.URLField(required=False, allow_blank=True)
    served_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    runtime_lora = serializers.BooleanField(required=False)
    server_adapter_path = serializers.CharField(required=False, allow_blank=True, max_length=500)
    generation_settings = serializers.DictField(required=False)


class DeploymentSerializer(serializers.ModelSerializer):
    model_version = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = Deployment
        fields = ["id", "model_version", "active", "previous", "note", "deployed_by", "deployed_at", "retired_at"]
        read_only_fields = fields


class DeployRequestSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ChatRoundStartSerializer(serializers.Serializer):
    character = serializers.PrimaryKeyRelatedField(queryset=Character.objects.all())


class ChatRoundSerializer(serializers.Serializer):
    """A started human–machine round: the live session to open (page ``url``, WebSocket ``ws_path``)."""

    session_id = serializers.IntegerField(source="pk")
    character = serializers.IntegerField(source="character_id")
    model_version = serializers.CharField(source="model_version.name")
    status = serializers.CharField()
    join_deadline = serializers.DateTimeField()
    url = serializers.SerializerMethodField()
    ws_path = serializers.SerializerMethodField()

    def get_url(self, session) -> str:
        from django.urls import reverse

        return reverse("roleplay:live-chat", args=[session.pk])

    def get_ws_path(self, session) -> str:
        return f"/ws/roleplay/live/{session.pk}/"
