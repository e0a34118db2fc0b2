"""API tokens: trade a username and password for a token, and revoke it. Sessions work as well.

And deleting the account itself, confirmed with its password.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import ErrorDetail
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..services.accounts import account_delete, account_password_confirms, token_issue, token_revoke
from ..services.guests import is_guest
from .serializers import ErrorSerializer
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
        token = token_issue(user=credentials.validated_data["user"])
        return Response(TokenSerializer({"token": token.key}).data)

    @extend_schema(
        summary="Revoke my API token",
        request=None,
        responses={204: OpenApiResponse(description="Revoked (or there was none).")},
    )
    def delete(self, request: Request) -> Response:
        token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Your password, to confirm. A visitor's (guest) account has none and may leave it out.",
    )


class AccountView(APIView):
    permission_classes = [IsAuthenticated]
    # A password check: the token endpoint's stricter rate applies here too.
    throttle_classes = [AnonThrottle, UserThrottle, ScopedThrottle]
    throttle_scope = "token"

    @extend_schema(
        summary="Delete my account",
        description="Deletes the account for good: its ratings (the works' counters no longer count "
        "them), its API token, every session where it is signed in, its profile and settings. "
        'The JSON body {"password": "..."} confirms it (not needed for a guest account). A wrong or '
        "missing password is a 400 on the field `password` and deletes nothing; wrong passwords "
        "count toward the sign-in lockout (429), as on the token endpoint. "
        "Download your ratings first (GET /api/ratings/export/?format=json).",
        # OpenAPI 3.0 has no request bodies on DELETE: drf-spectacular leaves this serializer out
        # of the schema, and the description above says what the body holds.
        request=AccountDeleteSerializer,
        responses={
            204: OpenApiResponse(description="Deleted: the token and the session no longer work."),
            400: OpenApiResponse(ErrorSerializer, description="Wrong or missing password; nothing deleted."),
        },
    )
    def delete(self, request: Request) -> Response:
        body = AccountDeleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = request.user
        if not is_guest(user):
            password = body.validated_data.get("password", "")
            if not password:
                message = "Your password is required to delete the account."
                raise serializers.ValidationError({"password": [ErrorDetail(message, "required")]})
            # The underlying Django request: django-axes marks it when this client is locked out
            # for this username, and its middleware then answers 429.
            if not account_password_confirms(request=request._request, user=user, password=password):
                raise serializers.ValidationError(
                    {"password": [ErrorDetail("That is not your password.", "password_incorrect")]}
                )
        account_delete(user=user)
        request.session.flush()  # a browser's session cookie is cleared too
        return Response(status=status.HTTP_204_NO_CONTENT)
