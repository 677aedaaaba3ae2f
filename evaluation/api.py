"""REST API for evaluation: campaigns and their results (researchers), and the evaluators' sessions.

A refused action answers ``{"code", "detail", "field"}``: 400 when an input is at fault (``field``
names it), 403 when the session is not the caller's, 409 when the campaign or session state forbids
it. Nothing is stored by a refused call.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from evaluation import services
from evaluation.generation import InferenceError, replies_generate
from evaluation.models import Assignment, Campaign
from evaluation.reports import campaign_report
from evaluation.serializers import (
    AssignmentNextSerializer,
    AssignmentSerializer,
    CampaignCreateSerializer,
    CampaignSerializer,
    CampaignUpdateSerializer,
    JudgeSerializer,
    LabelsSerializer,
    MessageSerializer,
    RatingSerializer,
)
from evaluation.services.judge import judge_run_start
from platform_core.permissions import EVALUATION_MANAGERS, EVALUATION_VIEWERS, EVALUATORS
from training.serializers import as_drf_error


def refused_response(refused: services.EvaluationRefused) -> Response:
    if refused.code == "not_assigned":
        code = status.HTTP_403_FORBIDDEN
    elif refused.field:
        code = status.HTTP_400_BAD_REQUEST
    else:
        code = status.HTTP_409_CONFLICT
    return Response({"code": refused.code, "detail": refused.message, "field": refused.field}, status=code)


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Campaigns. ``POST`` creates a draft; ``open`` / ``close`` change its state (researchers)."""

    serializer_class = CampaignSerializer
    required_roles = {
        "*": EVALUATION_VIEWERS,
        "create": EVALUATION_MANAGERS,
        "open": EVALUATION_MANAGERS,
        "close": EVALUATION_MANAGERS,
    }

    def get_queryset(self):
        return Campaign.objects.prefetch_related("contestants__model_version", "characters").order_by("-created_at")

    @extend_schema(request=CampaignCreateSerializer, responses={201: CampaignSerializer})
    def create(self, request, *args, **kwargs):
        data = CampaignCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        try:
            campaign = services.campaign_create(
                created_by=request.user,
                slug=fields.pop("slug"),
                title=fields.pop("title"),
                contestants=fields.pop("contestants"),
                characters=fields.pop("characters", []),
                draw_per_category=fields.pop("draw_per_category", 0),
                **fields,
            )
        except ValidationError as error:
            raise as_drf_error(error) from None
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CampaignUpdateSerializer, responses={200: CampaignSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Edit settings; contestants, dimensions and modes are refused (code ``frozen``) once judgments exist."""
        data = CampaignUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            campaign = services.campaign_update(campaign=self.get_object(), actor=request.user, **data.validated_data)
        except services.EvaluationRefused as refused:
            return refused_response(refused)
        except ValidationError as error:
            raise as_drf_error(error) from None
        return Response(CampaignSerializer(campaign).data)

    def _state(self, change):
        try:
            campaign = change(campaign=self.get_object(), actor=self.request.user)
        except services.EvaluationRefused as refused:
            return refused_response(refused)
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        return self._state(services.campaign_open)

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._state(services.campaign_close)

    @extend_schema(request=None, responses={202: dict})
    @action(detail=True, methods=["post"])
    def judge(self, request, pk=None):
        """Start the LLM judge (the configured OpenAI-compatible provider) on the campaign's judgments."""
        run = judge_run_start(campaign=self.get_object(), actor=request.user)
        run.refresh_from_db()
        return Response({"run": run.pk, "status": run.status, "error": run.error}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """The report: pointwise, errors, pairwise, bradley_terry, agreement (and meta)."""
        return Response(campaign_report(self.get_object()))


class AssignmentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's evaluation sessions. A pointwise session is chatted over the live chat's
    WebSocket (``live_chat`` in the session says where); here are its labels and ratings. A pairwise
    session's messages are sent here, both replies coming back in the response (the session page
    streams them)."""

    serializer_class = AssignmentSerializer
    required_roles = {"*": EVALUATORS}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return Assignment.objects.none()
        return Assignment.objects.filter(evaluator=self.request.user).select_related(
            "campaign", "character", "dialogue"
        )

    def _run(self, write, *args, **kwargs) -> Response:
        try:
            write(*args, **kwargs)
        except services.EvaluationRefused as refused:
            return refused_response(refused)
        return Response(
            AssignmentSerializer(Assignment.objects.get(pk=kwargs.get("assignment_id") or self.kwargs["pk"])).data
        )

    @extend_schema(request=AssignmentNextSerializer, responses={200: AssignmentSerializer})
    @action(detail=False, methods=["post"])
    def next(self, request):
        data = AssignmentNextSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            assignment = services.assignment_next(evaluator=request.user, **data.validated_data)
        except services.EvaluationRefused as refused:
            return refused_response(refused)
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(request=MessageSerializer, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def message(self, request, pk=None):
        """The evaluator's message in a pairwise session, then both replies (pointwise sessions chat
        over the live chat's WebSocket: code ``live_chat_only``)."""
        data = MessageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.player_turn_append(assignment_id=int(pk), evaluator=request.user, text=data.validated_data["text"])
            answer_pending(assignment_id=int(pk), evaluator=request.user)
        except services.EvaluationRefused as refused:
            return refused_response(refused)
        except InferenceError as error:
            return Response(
                {"code": "model_unavailable", "detail": str(error), "field": None}, status=status.HTTP_502_BAD_GATEWAY
            )
        return Response(AssignmentSerializer(Assignment.objects.get(pk=pk)).data)

    @extend_schema(request=JudgeSerializer, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def judge(self, request, pk=None):
        data = JudgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._run(services.pairwise_judge, assignment_id=int(pk), evaluator=request.user, **data.validated_data)

    @extend_schema(request=LabelsSerializer, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def labels(self, request, pk=None):
        data = LabelsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._run(services.error_label_set, assignment_id=int(pk), evaluator=request.user, **data.validated_data)

    @extend_schema(request=RatingSerializer, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        data = RatingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._run(services.rating_submit, assignment_id=int(pk), evaluator=request.user, **data.validated_data)

    @extend_schema(request=None, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        return self._run(services.pairwise_finish, assignment_id=int(pk), evaluator=request.user)

    @extend_schema(request=None, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def abandon(self, request, pk=None):
        try:
            services.assignment_abandon(assignment=self.get_object(), evaluator=request.user)
        except services.EvaluationRefused as refused:
            return refused_response(refused)
        return Response(AssignmentSerializer(self.get_object()).data)


def answer_pending(*, assignment_id: int, evaluator) -> None:
    """Generate both replies of a pairwise turn and store them as the pending pair."""
    assignment = Assignment.objects.select_related(
        "contestant__model_version", "opponent__model_version", "dialogue"
    ).get(pk=assignment_id)
    replies = replies_generate(assignment, [assignment.contestant, assignment.opponent])
    services.pairwise_pair_store(assignment_id=assignment_id, evaluator=evaluator, replies=replies)
