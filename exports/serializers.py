from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

from exports import services
from exports.models import ExportBuild, ExportSpec


def as_drf_error(error: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(
            {("non_field_errors" if k == "__all__" else k): v for k, v in error.message_dict.items()}
        )
    return serializers.ValidationError({"non_field_errors": error.messages})


def spec_data_error(error: DjangoValidationError) -> serializers.ValidationError:
    """A bad ``spec_data`` of a build request, its fields named inside."""
    return serializers.ValidationError({"spec_data": as_drf_error(error).detail})


def checked_spec_data(data) -> dict:
    """A new spec's data sent to the API, validated (each bad field named); ``name`` is required here."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    errors = {}
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        errors["name"] = [_("Give the spec a name.")]
    try:
        services.export_spec_build_unsaved(data=dict(data))
    except DjangoValidationError as error:
        errors = {**as_drf_error(error).detail, **errors}
    if errors:
        raise serializers.ValidationError(errors)
    return dict(data)


class ExportSpecSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExportSpec
        fields = ["id", *services.SPEC_FIELDS, "created_by", "created_at"]
        read_only_fields = ["id", "created_by", "created_at"]


class ExportSpecInput(serializers.Serializer):
    """Accepts the same keys as a YAML spec; the service validates and names each bad field.

    ``validated_data`` is the data as sent, for ``services.export_spec_create``."""

    def to_internal_value(self, data):
        return checked_spec_data(data)


class ExportBuildSerializer(serializers.ModelSerializer):
    spec_name = serializers.CharField(source="spec.name", read_only=True)
    creator = serializers.CharField(source="creator.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = ExportBuild
        fields = [
            "id",
            "spec",
            "spec_name",
            "spec_snapshot",
            "status",
            "progress",
            "progress_message",
            "version",
            "directory",
            "stats",
            "files",
            "data_sha256",
            "dialogue_count",
            "turn_count",
            "total_bytes",
            "error",
            "creator",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ExportBuildCreateSerializer(serializers.Serializer):
    """Either ``spec`` (an existing spec's id) or ``spec_data`` (a new spec, YAML keys)."""

    spec = serializers.PrimaryKeyRelatedField(queryset=ExportSpec.objects.all(), required=False)
    spec_data = serializers.JSONField(required=False)

    def validate(self, attrs):
        if ("spec" in attrs) == ("spec_data" in attrs):
            raise serializers.ValidationError({"spec": ["Give either spec (an id) or spec_data, not both."]})
        if "spec_data" in attrs:
            try:
                attrs["spec_data"] = checked_spec_data(attrs["spec_data"])
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"spec_data": error.detail}) from error
        return attrs
