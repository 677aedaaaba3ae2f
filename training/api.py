"""REST API for training: jobs (researchers launch, cancel, resume), the model registry, deployments."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from training import selectors, services
from training.models import Deployment, ModelVersion
from training.serializers import (
    ChatRoundSerializer,
    ChatRoundStartSerializer,
    DeploymentSerializer,
    DeployRequestSerializer,
    ModelVersionSerializer,
    ServingUpdateSerializer,
    TrainingJobCreateSerializer,
    TrainingJobSerializer,
    as_drf_error,
)
from training.views import CHATTERS, LAUNCHERS, VIEWERS


def _refused(refused: services.JobRefused) -> Response:
    return Response({"code": refused.code, "detail": refused.message}, status=status.HTTP_409_CONFLICT)


class TrainingJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Training jobs. ``POST`` launches one on the ``training`` queue (researchers only)."""

    serializer_class = TrainingJobSerializer
    required_roles = {"*": VIEWERS, "create": LAUNCHERS, "cancel": LAUNCHERS, "resume": LAUNCHERS}

    def get_queryset(self):
        return selectors.training_jobs()

    @extend_schema(request=TrainingJobCreateSerializer, responses={201: TrainingJobSerializer})
    def create(self, request, *args, **kwargs):
        data = TrainingJobCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            job = services.training_job_create(creator=request.user, **data.validated_data)
        except ValidationError as error:
            raise as_drf_error(error) from None
        return Response(TrainingJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: TrainingJobSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        try:
            job = services.training_job_cancel(job=self.get_object(), actor=request.user)
        except services.JobRefused as refused:
            return _refused(refused)
        return Response(TrainingJobSerializer(job).data)

    @extend_schema(request=None, responses={200: TrainingJobSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        try:
            job = services.training_job_resume(job=self.get_object(), actor=request.user)
        except services.JobRefused as refused:
            return _refused(refused)
        return Response(TrainingJobSerializer(job).data)

    @extend_schema(
        parameters=[OpenApiParameter("after", int, description="only events with a larger id")],
        responses={200: dict},
    )
    @action(detail=True, methods=["get"])
    def metrics(self, request, pk=None):
        """The metrics stream (loss curve, tokens/s, memory) and the job's state, for polling clients."""
        job = self.get_object()
        after = request.query_params.get("after", "0")
        if not after.isdigit():
            raise DRFValidationError({"after": ["Give a whole number."]})
        return Response(
            {
                "status": job.status,
                "progress": job.progress,
                "current_step": job.current_step,
                "max_steps": job.max_steps,
                "finished": job.is_finished,
                "events": selectors.job_metrics(job, after_id=int(after)),
            }
        )

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def log(self, request, pk=None):
        return Response({"log": selectors.log_tail(self.get_object())})


class ModelVersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The model registry. Researchers deploy a version and set its serving and generation settings."""

    queryset = ModelVersion.objects.select_related("export_build")
    serializer_class = ModelVersionSerializer
    required_roles = {"*": VIEWERS, "deploy": LAUNCHERS, "partial_update": LAUNCHERS}

    @extend_schema(request=ServingUpdateSerializer, responses={200: ModelVersionSerializer})
    def partial_update(self, request, *args, **kwargs):
        version = self.get_object()
        data = ServingUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            version = services.model_version_update_serving(version=version, actor=request.user, **data.validated_data)
        except ValidationError as error:
            raise as_drf_error(error) from None
        return Response(ModelVersionSerializer(version).data)

    @extend_schema(request=DeployRequestSerializer, responses={201: DeploymentSerializer})
    @action(detail=True, methods=["post"])
    def deploy(self, request, pk=None):
        data = DeployRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            deployment = services.model_version_deploy(
                version=self.get_object(), actor=request.user, note=data.validated_data["note"]
            )
        except services.JobRefused as refused:
            return _refused(refused)
        except ValidationError as error:
            raise as_drf_error(error) from None
        return Response(DeploymentSerializer(deployment).data, status=status.HTTP_201_CREATED)


class DeploymentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Deployment history, newest first; ``rollback`` restores the model the active one replaced."""

    queryset = Deployment.objects.select_related("model_version")
    serializer_class = DeploymentSerializer
    required_roles = {"*": VIEWERS, "rollback": LAUNCHERS}

    @extend_schema(request=None, responses={201: DeploymentSerializer})
    @action(detail=False, methods=["post"])
    def rollback(self, request):
        try:
            deployment = services.deployment_rollback(actor=request.user)
        except services.JobRefused as refused:
            return _refused(refused)
        return Response(DeploymentSerializer(deployment).data, status=status.HTTP_201_CREATED)


class ChatRoundViewSet(viewsets.GenericViewSet):
    """Human–machine rounds. ``POST`` starts one: a live session with the deployed model in the
    character's seat and the caller as the player; open ``url`` (or ``ws_path``) within the join window."""

    serializer_class = ChatRoundStartSerializer
    required_roles = {"*": CHATTERS}

    @extend_schema(request=ChatRoundStartSerializer, responses={201: ChatRoundSerializer})
    def create(self, request):
        data = ChatRoundStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # roleplay's live chat serves the model seat; training imports it only when a round starts.
        from roleplay.live import human_machine as hm

        try:
            session = hm.hm_session_start(worker=request.user, character=data.validated_data["character"])
        except hm.ChatRefused as refused:
            return Response({"code": refused.code, "detail": refused.message}, status=status.HTTP_409_CONFLICT)
        return Response(ChatRoundSerializer(session).data, status=status.HTTP_201_CREATED)
