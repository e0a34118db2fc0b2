"""API tokens: trade a username and password for a token, and revoke it. Sessions work as well."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .throttles import AnonThrottle, ScopedThrottle, UserThrottle


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='Send it as the header "Authorization: Token <token>".')


class TokenView(APIView):
    throttle_classes = [AnonThrottle, UserThrottle, ScopedThrottle]
    throttle_scope = "token"

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        summary="Get my API token",
        description="The same token until it is revoked. Stricter rate limit than the rest of the API; "
        "after 5 wrong passwords for one username from one client, that username is locked for that "
        "client for 15 minutes (429).",
        request=AuthTokenSerializer,
        responses={200: TokenSerializer},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        try:
            credentials.is_valid(raise_exception=True)
        finally:
            # django-axes marks the request it was given (this one) when the username is locked
            # for this client; its middleware answers the lockout from the underlying request.
            if getattr(request, "axes_locked_out", False):
                request._request.axes_locked_out = True
        token, _ = Token.objects.get_or_create(user=credentials.validated_data["user"])
        return Response(TokenSerializer({"token": token.key}).data)

    @extend_schema(
        summary="Revoke my API token",
        request=None,
        responses={204: OpenApiResponse(description="Revoked (or there was none).")},
    )
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
