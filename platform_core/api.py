from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from platform_core.permissions import ANY_ROLE, PUBLIC
from platform_core.roles import Role
from platform_core.selectors import profile_of
from platform_core.services import celery_ping


class WorkerProfileSerializer(serializers.Serializer):
    display_name = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    qualifications = serializers.ListField(child=serializers.CharField())
    block_status = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    profile = WorkerProfileSerializer()


class MeView(APIView):
    """The signed-in account, its roles and its worker profile."""

    required_roles = ANY_ROLE

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = request.user
        data = {"id": user.pk, "username": user.username, "roles": sorted(user.role_codes), "profile": profile_of(user)}
        return Response(MeSerializer(data).data)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class TokenView(APIView):
    """Exchange a username and password for an API token (send it as ``Authorization: Token …``)."""

    required_roles = PUBLIC
    permission_classes: list = []

    @extend_schema(request=TokenRequestSerializer, responses={200: dict})
    def post(self, request: Request) -> Response:
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        # The HttpRequest, not DRF's wrapper: django-axes marks a locked-out attempt on the request
        # its middleware sees, and answers it with the lockout response.
        user = authenticate(request._request, **body.validated_data)
        if user is None:
            return Response({"detail": "Wrong username or password."}, status=status.HTTP_400_BAD_REQUEST)
        # A token is a sign-in: last_login is stamped and django-axes clears the account's failures.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class PingQuery(serializers.Serializer):
    timeout = serializers.FloatField(min_value=0.1, max_value=30, default=2, help_text="seconds to wait for answers")


class CeleryPingSerializer(serializers.Serializer):
    workers = serializers.ListField(child=serializers.CharField())


class CeleryPingView(APIView):
    """Ask the Celery workers to answer; lists the workers that did."""

    required_roles = (Role.ADMIN, Role.RESEARCHER)

    @extend_schema(
        parameters=[PingQuery],
        responses={200: CeleryPingSerializer, 503: CeleryPingSerializer},
        description="200 with the workers that answered; 503 (service unavailable) when none did.",
    )
    def get(self, request: Request) -> Response:
        query = PingQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        workers = celery_ping(timeout=query.validated_data["timeout"])
        return Response(
            {"workers": workers}, status=status.HTTP_200_OK if workers else status.HTTP_503_SERVICE_UNAVAILABLE
        )
