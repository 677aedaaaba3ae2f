"""REST endpoints: a worker's own units and earnings; admins review units and add bonuses."""

from dataclasses import asdict

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from platform_core.permissions import WORKFORCE_ADMINS, WORKFORCE_SELF
from workforce import selectors
from workforce.models import WorkUnit
from workforce.services.errors import WorkforceError
from workforce.services.review import review_decision_parse, unit_bonus, unit_review


class WorkforceThrottle(UserRateThrottle):
    rate = "120/min"


def _refusal(error: WorkforceError) -> Response:
    return Response({error.field or "detail": [error.message], "code": error.code}, status=status.HTTP_400_BAD_REQUEST)


class WorkUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkUnit
        fields = ["id", "kind", "subject_id", "state", "started_at", "submitted_at", "reviewed_at",
                  "reason_category", "review_message", "active_seconds", "auto_approved"]


class MyUnitsView(generics.ListAPIView):
    """The signed-in worker's own units, newest first."""

    serializer_class = WorkUnitSerializer
    required_roles = WORKFORCE_SELF
    throttle_classes = [WorkforceThrottle]

    def get_queryset(self):
        return selectors.worker_units(worker=self.request.user)


class MyEarningsView(APIView):
    required_roles = WORKFORCE_SELF
    throttle_classes = [WorkforceThrottle]

    @extend_schema(responses={200: dict})
    def get(self, request):
        earnings = selectors.worker_earnings(worker=request.user, currency=settings.WORKFORCE_CURRENCY)
        data = asdict(earnings)
        data["per_day"] = [{"day": day.isoformat(), "amount": str(total)} for day, total in earnings.per_day]
        for key in ("pending", "approved", "paid", "hourly"):
            data[key] = None if data[key] is None else str(data[key])
        return Response(data)


class ReviewSerializer(serializers.Serializer):
    decision = serializers.CharField(max_length=20)
    reason_category = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    bonus = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    bonus_key = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    block = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    block_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class UnitReviewView(APIView):
    """POST a decision (approved, rejected, soft_rejected, returned) with a reason category, message,
    bonus and block; the same decision twice is a no-op that pays once."""

    required_roles = WORKFORCE_ADMINS
    throttle_classes = [WorkforceThrottle]

    @extend_schema(request=ReviewSerializer, responses={200: WorkUnitSerializer, 400: dict})
    def post(self, request, pk: int):
        unit = get_object_or_404(WorkUnit, pk=pk)
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            review = review_decision_parse(**serializer.validated_data)
            unit = unit_review(unit_id=unit.pk, review=review, reviewer=request.user)
        except WorkforceError as error:
            return _refusal(error)
        return Response(WorkUnitSerializer(unit).data)


class BonusSerializer(serializers.Serializer):
    amount = serializers.CharField(max_length=20)
    reason = serializers.CharField(max_length=500)
    idempotency_key = serializers.CharField(max_length=100)
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")


class UnitBonusView(APIView):
    """POST a bonus for a unit (also while it is in progress); ``idempotency_key`` makes retries safe."""

    required_roles = WORKFORCE_ADMINS
    throttle_classes = [WorkforceThrottle]

    @extend_schema(request=BonusSerializer, responses={201: dict, 400: dict})
    def post(self, request, pk: int):
        unit = get_object_or_404(WorkUnit, pk=pk)
        serializer = BonusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            entry = unit_bonus(unit=unit, amount=data["amount"], reason=data["reason"], actor=request.user,
                               idempotency_key=f"api:{unit.pk}:{data['idempotency_key']}",
                               currency=data["currency"] or None)
        except WorkforceError as error:
            return _refusal(error)
        return Response({"id": entry.pk, "amount": str(entry.amount), "currency": entry.currency},
                        status=status.HTTP_201_CREATED)
