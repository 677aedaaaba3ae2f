"""REST API for exports: specs and builds (admins and researchers only)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from exports import selectors, services
from exports.archive import build_tar_stream
from exports.models import BuildStatus, ExportBuild, ExportSpec
from exports.serializers import (
    ExportBuildCreateSerializer,
    ExportBuildSerializer,
    ExportSpecInput,
    ExportSpecSerializer,
    as_drf_error,
    spec_data_error,
)
from exports.views import EXPORTERS
from platform_core.api_input import choice_filter, id_filter, text_filter


class ExportSpecViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Export specs. Create with the keys of a YAML spec (``split: {train, validation, test}`` allowed)."""

    queryset = ExportSpec.objects.all()
    serializer_class = ExportSpecSerializer
    required_roles = EXPORTERS

    @extend_schema(request=ExportSpecSerializer, responses={201: ExportSpecSerializer})
    def create(self, request, *args, **kwargs):
        payload = ExportSpecInput(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            instance = services.export_spec_create(data=payload.validated_data, created_by=request.user)
        except ValidationError as error:
            raise as_drf_error(error) from error
        return Response(ExportSpecSerializer(instance).data, status=status.HTTP_201_CREATED)


class ExportBuildViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Export builds: list (filter by ``status``, ``spec``), start, follow, download."""

    serializer_class = ExportBuildSerializer
    queryset = selectors.builds_filtered()
    required_roles = EXPORTERS
    query_filters = {
        "status": choice_filter("status", BuildStatus.choices, _("Only builds in this status.")),
        "spec": id_filter("spec_id", _("Only builds of the spec with this id.")),
        "q": text_filter("spec__name__icontains", _("Only builds whose spec name contains this text.")),
    }

    @extend_schema(request=ExportBuildCreateSerializer, responses={201: ExportBuildSerializer})
    def create(self, request, *args, **kwargs):
        payload = ExportBuildCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with transaction.atomic():
            spec = payload.validated_data.get("spec")
            if spec is None:
                try:
                    spec = services.export_spec_create(
                        data=payload.validated_data["spec_data"], created_by=request.user
                    )
                except ValidationError as error:
                    raise spec_data_error(error) from error
            build = services.export_build_create(spec=spec, creator=request.user)
        build.refresh_from_db()
        return Response(ExportBuildSerializer(build).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("file", str, description="A path from the build's files; omit for a tar.")],
        responses={
            (200, "application/x-tar"): OpenApiTypes.BINARY,
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
        },
        description="The whole build as a tar (``application/x-tar``), or one file of it with ``file``"
        " (``application/octet-stream``).",
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        build = self.get_object()
        if not build.is_published:
            raise Http404("This build is not published.")
        name = request.query_params.get("file", "")
        directory = Path(build.directory)
        if name:
            if name != "manifest.json" and name not in build.files:
                raise Http404("No such file in this build.")
            services.export_download_record(build=build, actor=request.user, path=name)
            return FileResponse(
                open(directory / name, "rb"),
                as_attachment=True,
                filename=name.replace("/", "-"),
                content_type="application/octet-stream",
            )
        services.export_download_record(build=build, actor=request.user, path="*")
        response = StreamingHttpResponse(
            build_tar_stream(directory, sorted([*build.files, "manifest.json"]), prefix=f"troupe-v{build.version}"),
            content_type="application/x-tar",
        )
        response["Content-Disposition"] = f'attachment; filename="troupe-v{build.version}.tar"'
        return response

    @extend_schema(request=None, responses={202: ExportBuildSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        build: ExportBuild = self.get_object()
        try:
            services.export_build_retry(build=build, actor=request.user)
        except ValidationError as error:
            raise as_drf_error(error) from error
        build.refresh_from_db()
        return Response(ExportBuildSerializer(build).data, status=status.HTTP_202_ACCEPTED)
