"""/graphql/: strawberry's Django view behind the REST API's own authentication.

The caller is authenticated by the classes in REST_FRAMEWORK's
DEFAULT_AUTHENTICATION_CLASSES, run through DRF's Request exactly as an APIView
runs them: an ``Authorization: Token <key>`` header (knox) first, else the
session. So a bad or expired token is a 401, and a session-authenticated POST
without the CSRF token is a 403 (DRF's SessionAuthentication.enforce_csrf), while
token clients need no CSRF token. That is why the view is csrf_exempt, as every
DRF view is: the check happens here, for sessions only.

Anonymous callers are refused before any GraphQL runs: a browser asking for the
page (GET with Accept: text/html) is sent to the login page, anything else gets
a 401. Logged-in browsers get GraphiQL from vendored static files (static/graphiql/).
Operations go over POST only, so a cross-site GET can neither run nor audit anything.
"""

import json
from decimal import Decimal

from cross_web import HTTPException
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings
from strawberry.django.views import GraphQLView

from biostat.middleware import CONTENT_SECURITY_POLICY

from .schema import schema

# GraphiQL's stylesheet embeds its fonts as data: URLs; scripts stay 'self' only.
GRAPHIQL_POLICY = CONTENT_SECURITY_POLICY.replace("font-src 'self'", "font-src 'self' data:")


def _authenticators():
    return [authentication() for authentication in api_settings.DEFAULT_AUTHENTICATION_CLASSES]


def authenticate(request):
    """The caller as the REST API sees them; DRF sets ``request.user`` to it. Raises DRF's
    AuthenticationFailed (bad token), PermissionDenied (session POST without CSRF token) or
    ParseError (the CSRF check reads the body of a session POST, as in any DRF view)."""
    drf_request = Request(
        request,
        parsers=[parser() for parser in api_settings.DEFAULT_PARSER_CLASSES],
        authenticators=_authenticators(),
    )
    return drf_request.user


def _error(message, code, status, **headers):
    response = JsonResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _wants_page(request):
    return request.method == "GET" and "text/html" in request.headers.get("Accept", "")


def _refuse_constant(name):
    raise HTTPException(400, f"Unable to parse request body as JSON: {name} is not a JSON number")


class BiostatGraphQLView(GraphQLView):
    def dispatch(self, request, *args, **kwargs):
        challenge = {"WWW-Authenticate": _authenticators()[0].authenticate_header(request)}
        try:
            # Read (and keep) the body first: DRF's CSRF check may parse it too, and strawberry
            # reads it again afterwards.
            request.body  # noqa: B018
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
            return _error(
                f"The request is larger than {limit} MB; upload large datasets as a file to /api/datasets/.",
                "REQUEST_TOO_LARGE",
                413,
            )
        try:
            user = authenticate(request)
        except exceptions.AuthenticationFailed as exc:
            return _error(str(exc.detail), "UNAUTHENTICATED", 401, **challenge)
        except exceptions.PermissionDenied as exc:
            return _error(str(exc.detail), "FORBIDDEN", 403)
        except exceptions.APIException as exc:
            return _error(str(exc.detail), "BAD_REQUEST", exc.status_code)
        if not user.is_authenticated:
            if _wants_page(request):
                return redirect_to_login(request.get_full_path())
            return _error(
                "Authentication credentials were not provided.", "UNAUTHENTICATED", 401, **challenge
            )
        return super().dispatch(request, *args, **kwargs)

    def should_render_graphql_ide(self, request):
        # Browsers only: an API client's "Accept: */*" GET is not asking for a page.
        return request.method == "GET" and "text/html" in request.headers.get("accept", "")

    def render_graphql_ide(self, request):
        response = render(request, "graphql_api/graphiql.html")
        response["Content-Security-Policy"] = GRAPHIQL_POLICY
        return response

    def decode_json(self, data):
        # Fractional numbers as Decimal, so dataset rows keep every digit (see scalars.py);
        # NaN and Infinity are not JSON.
        try:
            return json.loads(data, parse_float=Decimal, parse_constant=_refuse_constant)
        except RecursionError:  # Python's parser gives up near 1,000 levels of nesting
            raise HTTPException(400, "Unable to parse request body as JSON: it nests too deeply") from None


graphql = csrf_exempt(BiostatGraphQLView.as_view(schema=schema, allow_queries_via_get=False))
