"""The edge: what every request must pass before anything reads it, and the API's errors in JSON.

PostgreSQL refuses NUL characters in text, psycopg2 cannot encode an unpaired surrogate, and
Python's JSON parser recurses once per bracket. So before the session, authentication, django-axes
or any view sees a request, `EdgeMiddleware` refuses

- a NUL or an unpaired surrogate anywhere: the path, a query-string parameter, a header, a cookie,
  a form or multipart field (and an uploaded file's name), a JSON string or key: 400;
- a JSON body nested deeper than REQUEST_JSON_MAX_DEPTH: 400, before it is parsed;
- a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE (multipart: the largest material plus that): 413.

Other control characters are let through: PostgreSQL stores them, and people paste them from word
processors (vertical tab, form feed) into notes. On /api/ every refusal and every 400, 404 and 500
Django answers itself (an unknown URL, a crash) is `{"detail": "..."}` in JSON, as DRF's are.
"""

import json
import re
from itertools import accumulate

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse, QueryDict
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views import defaults
from rest_framework import exceptions

API_PREFIX = "/api/"
NOT_STORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL (PostgreSQL) and unpaired surrogates (UTF-8)
JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class EdgeMiddleware:
    """Refuses what the database or the parser cannot take; goes before session, auth and axes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with translation.override(translation.get_language_from_request(request)):
            try:
                check_request(request)
            except Refused as refusal:
                return error_response(request, refusal.message, refusal.status)
        return self.get_response(request)


ASCII_HEADERS = frozenset({"HTTP_AUTHORIZATION", "HTTP_IDEMPOTENCY_KEY", "HTTP_IF_MATCH"})


def check_request(request) -> None:
    check_text(request.path, gettext_noop("the path"))
    for name, values in request.GET.lists():  # TooManyFieldsSent goes on to handler400
        check_text(name, gettext_noop("the query string"))
        for value in values:
            check_text(value, gettext_noop("the query parameter “%(name)s”"), name=name)
    for key, value in request.META.items():
        if (key.startswith("HTTP_") or key == "CONTENT_TYPE") and isinstance(value, str):
            header = key.removeprefix("HTTP_").replace("_", "-").title()
            check_text(value, gettext_noop("the header “%(name)s”"), name=header)
            if key in ASCII_HEADERS and not (value.isascii() and value.isprintable()):
                # Tokens, keys and versions are ASCII; a stray byte must not reach the token library.
                raise Refused(400, _("The header “%(name)s” takes ASCII characters only.") % {"name": header})
    for name, value in request.COOKIES.items():  # "\000" in a quoted cookie is a NUL once parsed
        check_text(name, gettext_noop("a cookie name"))
        check_text(value, gettext_noop("the cookie “%(name)s”"), name=name)
    check_body(request)


def check_body(request) -> None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return
    if request.content_type == "multipart/form-data":
        if length > settings.MATERIAL_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise Refused(413, too_large(settings.MATERIAL_MAX_BYTES))
        try:
            if request.method == "POST":
                fields, files = request.POST, request.FILES
            else:
                # Django parses multipart bodies of POST only; DRF would parse this one itself,
                # unchecked. Parse it here and leave the result where DRF and Django look for it.
                fields, files = request.parse_file_upload(request.META, request)
                request._post, request._files = fields, files
        except RequestDataTooBig:
            raise Refused(413, too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)) from None
        check_fields(fields)
        for name, upload in files.items():
            check_text(upload.name or "", gettext_noop("the name of the file in “%(name)s”"), name=name)
        return
    try:
        body = request.body
    except RequestDataTooBig:
        raise Refused(413, too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)) from None
    if request.content_type == "application/x-www-form-urlencoded":
        check_fields(QueryDict(body, encoding=request.encoding))
    elif request.content_type == "application/json" or request.content_type.endswith("+json"):
        check_json(body, request.encoding or settings.DEFAULT_CHARSET)  # as DRF's parser decodes it


def check_fields(fields: QueryDict) -> None:
    for name, values in fields.lists():
        check_text(name, gettext_noop("a field name"))
        for value in values:
            check_text(value, gettext_noop("the field “%(name)s”"), name=name)


def check_json(body: bytes, charset: str) -> None:
    try:
        text = body.decode(charset)
    except UnicodeDecodeError:
        return  # DRF's parser answers 400 for a body it cannot decode
    limit = settings.REQUEST_JSON_MAX_DEPTH
    if json_depth(text) > limit:
        raise Refused(400, _("The JSON body is nested more than %(limit)d levels deep.") % {"limit": limit})
    try:
        data = json.loads(text)
    except ValueError:
        return  # malformed JSON: DRF's parser answers 400 with its own message
    check_json_value(data, "")


def json_depth(text: str) -> int:
    """How deeply the brackets outside strings nest, counted without recursion."""
    if text.count("[") + text.count("{") <= settings.REQUEST_JSON_MAX_DEPTH:
        return 0  # cannot be deeper than the limit: skip the scan
    brackets = NOT_A_BRACKET.sub("", JSON_STRING.sub("", text))
    return max(accumulate(map(BRACKET_STEP.__getitem__, brackets)), default=0)


def check_json_value(value, where: str) -> None:
    # Recursion is bounded: json_depth() has already limited the nesting.
    if isinstance(value, str):
        check_text(value, gettext_noop("the field “%(name)s”"), name=where or "-")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, gettext_noop("a field name"))
            check_json_value(item, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_json_value(item, f"{where}[{index}]")


def check_text(value: str, where: str, name: str | None = None) -> None:
    """Refuse text PostgreSQL cannot store; `where` (a gettext_noop message) is translated only then.

    Every request passes here for each header, cookie and parameter, so nothing is built on the way.
    """
    if NOT_STORABLE.search(value):
        place = _(where) % {"name": name} if name is not None else _(where)
        raise Refused(
            400,
            _("The request contains a NUL character or an unpaired surrogate in %(where)s.")
            % {"where": place[:200]},
        )


def too_large(limit: int) -> str:
    return _("The request body is larger than %(mb)s MB.") % {"mb": round(limit / (1024 * 1024), 1)}


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(request, message, status: int) -> HttpResponse:
    """JSON like DRF's errors on the API; a short plain-text page elsewhere."""
    if is_api(request):
        return JsonResponse(
            {"detail": str(message)}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


# --- Django's own error answers (kuasheng/urls.py: handler400, handler404, handler500) ------


def bad_request(request, exception=None):
    """A request Django refused itself (too many fields, a disallowed host, a bad upload)."""
    if is_api(request):
        return error_response(request, exceptions.ParseError.default_detail, 400)
    return defaults.bad_request(request, exception)


def not_found(request, exception=None):
    """An unknown URL, e.g. a case number the URL pattern does not match."""
    if is_api(request):
        return error_response(request, exceptions.NotFound.default_detail, 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        return error_response(request, exceptions.APIException.default_detail, 500)
    return defaults.server_error(request)


def document_edge_responses(result, generator, request, public):
    """drf-spectacular hook: every operation may answer the edge's 400, one with a body its 413."""
    error = {"application/json": {"schema": {"type": "object", "properties": {"detail": {"type": "string"}}}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault(
                "400",
                {
                    "description": _(
                        "Invalid input: the body names the parameter, or the request was refused "
                        "before reading (a NUL character or an unpaired surrogate, JSON nested too deeply)."
                    ),
                    "content": error,
                },
            )
            if "requestBody" in operation:
                responses.setdefault(
                    "413", {"description": _("The request body is larger than the limit."), "content": error}
                )
    return result


def axes_username(request, credentials=None) -> str | None:
    """The username django-axes records for a login attempt, cut to the longest a user can have.

    Axes writes what was typed into a 255-character column before any form checks it; a longer
    name is a failed login like any other, and its first 150 characters count the failures.
    """
    from django.contrib.auth import get_user_model

    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    if username is None:
        return None
    return str(username)[: get_user_model()._meta.get_field("username").max_length]
