"""REST API for accounts: register, log in for an API token, log out (revoke it), me."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from . import selectors, services
from .authentication import TokenAuthentication
from .models import User


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "role", "date_joined"]
        read_only_fields = fields


class RegisterSerializer(serializers.Serializer):
    # Only the shape of the request: the rules on the values are services.user_register's,
    # which reports every bad field at once.
    username = serializers.CharField()
    email = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=User._meta.get_field("username").max_length)
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`. Shown only once.")
    expiry = serializers.DateTimeField(help_text="The token stops working at this time.")
    user = UserSerializer()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors only: each field and its messages.",
    )


def _error(description):
    return OpenApiResponse(ErrorSerializer, description=description)


class RegistrationOpen(permissions.BasePermission):
    message = "Registration is closed on this server; ask an administrator for an account."

    def has_permission(self, request, view):
        return selectors.registration_open()


class RegisterView(APIView):
    authentication_classes = ()
    permission_classes = (RegistrationOpen,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth"

    @extend_schema(
        summary="Create an account",
        description="Creates a researcher account (the role cannot be chosen). "
        "Passwords must pass the server's password rules.",
        request=RegisterSerializer,
        responses={
            201: UserSerializer,
            400: _error("A field is missing or invalid; `errors` maps each field to its messages."),
            403: _error("Registration is closed on this server."),
        },
    )
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.user_register(**serializer.validated_data, request=request)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    # No authentication: a stale or expired token must not stand in the way of a new login.
    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth"

    def get_authenticate_header(self, request):
        # Wrong credentials answer 401, which names the scheme to authenticate with.
        return TokenAuthentication().authenticate_header(request)

    @extend_schema(
        summary="Log in for an API token",
        request=LoginSerializer,
        responses={
            200: TokenSerializer,
            400: _error("`username` or `password` is missing."),
            401: _error("Wrong username or password."),
            429: _error("Too many failed attempts for this username from this address; try again later."),
        },
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # django-axes needs Django's HttpRequest, not DRF's wrapper, to count the attempt.
        user = services.user_authenticate(request=request._request, **serializer.validated_data)
        if user is None:
            # Once the caller is locked out, AxesMiddleware replaces this answer with the
            # 429 from accounts.views.lockout.
            raise exceptions.AuthenticationFailed("Invalid username or password.")
        token, key = services.token_create(request=request._request, user=user)
        return Response(TokenSerializer({"token": key, "expiry": token.expiry, "user": user}).data)


class LogoutView(APIView):
    authentication_classes = (TokenAuthentication,)
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        summary="Revoke the calling token",
        request=None,
        responses={
            204: OpenApiResponse(description="The token no longer works."),
            401: _error("No valid token."),
        },
    )
    def post(self, request):
        services.token_revoke(request=request, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(summary="The calling user", responses={200: UserSerializer, 401: _error("Not logged in.")})
    def get(self, request):
        return Response(UserSerializer(request.user).data)
