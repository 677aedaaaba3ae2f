"""REST endpoints for synthesis batches, annotation tasks and literary works (thin: services do the work)."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from annotation.models import AnnotationTask, LLMProvider, SynthesisBatch, TaskKind, TaskStatus
from annotation.selectors import literary_works_listed
from annotation.serializers import (
    AnnotationTaskSerializer,
    ClaimSerializer,
    LiteraryWorkSerializer,
    SynthesisBatchCreateSerializer,
    SynthesisBatchSerializer,
)
from annotation.services.synthesis import batch_create
from annotation.services.task_queue import TaskRefused, task_claim_next, task_release
from platform_core.api_input import choice_filter
from platform_core.roles import Role

BATCH_MANAGERS = (Role.RESEARCHER, Role.ADMIN)
WORKERS = (Role.ANNOTATOR, Role.ADMIN, Role.CROWDWORKER)


class SynthesisBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Synthesis batches with their token and cost accounting; POST creates and starts one."""

    serializer_class = SynthesisBatchSerializer
    queryset = SynthesisBatch.objects.all()
    required_roles = BATCH_MANAGERS

    @extend_schema(request=SynthesisBatchCreateSerializer, responses={201: SynthesisBatchSerializer})
    def create(self, request):
        incoming = SynthesisBatchCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        provider = None
        if data.pop("provider", None):
            provider = LLMProvider.objects.filter(pk=request.data["provider"]).first()
            if provider is None:
                raise ApiValidationError({"provider": ["No such provider."]})
        try:
            batch = batch_create(author=request.user, provider=provider, **data)
        except ValidationError as error:
            raise ApiValidationError(error.message_dict) from error
        return Response(SynthesisBatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class AnnotationTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own tasks. ``POST claim/ {kind}`` takes the next one; ``POST {id}/release/`` gives it back."""

    serializer_class = AnnotationTaskSerializer
    required_roles = WORKERS
    query_filters = {
        "kind": choice_filter("kind", TaskKind.choices, _("Only tasks of this kind.")),
        "status": choice_filter("status", TaskStatus.choices, _("Only tasks in this status.")),
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return AnnotationTask.objects.none()
        user = self.request.user
        tasks = AnnotationTask.objects.all()
        if Role.ADMIN not in user.role_codes:
            tasks = tasks.filter(Q(assignee=user))
        return tasks.order_by("-id")

    @extend_schema(request=ClaimSerializer, responses={200: AnnotationTaskSerializer, 204: None})
    @action(detail=False, methods=["post"])
    def claim(self, request):
        incoming = ClaimSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            task = task_claim_next(user=request.user, kind=incoming.validated_data["kind"])
        except TaskRefused as refused:
            return Response({"code": refused.code, "detail": refused.message}, status=status.HTTP_403_FORBIDDEN)
        if task is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(AnnotationTaskSerializer(task).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        task = AnnotationTask.objects.filter(pk=pk, status=TaskStatus.CLAIMED).first()
        if task is None:
            return Response({"detail": "No such claimed task."}, status=status.HTTP_404_NOT_FOUND)
        try:
            task_release(task=task, user=request.user)
        except TaskRefused as refused:
            return Response({"code": refused.code, "detail": refused.message}, status=status.HTTP_400_BAD_REQUEST)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LiteraryWorkViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LiteraryWorkSerializer
    queryset = literary_works_listed()
    required_roles = (Role.ADMIN, Role.ANNOTATOR, Role.RESEARCHER)
