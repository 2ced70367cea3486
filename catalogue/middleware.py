"""The short path of catalogue reads: an anonymous GET answered from a stored answer (catalogue/cache.py).

It sits near the top of MIDDLEWARE, after the security, edge and static-file middleware (so HTTPS
redirects, security headers and the refusal of NUL characters stay as they are) and before the session,
locale, CSRF, authentication and the views. For a GET or HEAD without a session cookie, a messages
cookie or an Authorization header, it resolves the language as LocaleMiddleware would, looks up the
answer stored under (version, language, visibility "public", scheme, host, full path, Accept) and
replays it: the same status, headers and body as the full path gave; or answers 304 to a matching
If-None-Match. Otherwise the request goes on, and its answer is stored when

- the view is a catalogue read (marked `catalogue_cacheable`: the public HTML pages and the
  catalogue API viewsets' GET actions — never cases, accounts, tracking, the admin),
- it is a 200 that sets no cookie, is not streamed, the reader was anonymous, and its query has
  only parameters that catalogue reads understand.
"""

import functools
import re

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.utils import translation

from . import cache

# Where catalogue reads are (catalogue/urls.py and the catalogue routes of the API in kuasheng/urls.py):
# any other request goes on at once, without looking up the version or an answer.
CATALOGUE_PATHS = re.compile(r"/(?:$|items/|windows/|api/v1/(?:items|departments|regions|windows)/)")


def cacheable_view(view_func) -> bool:
    """Views and viewsets say they are catalogue reads with a `catalogue_cacheable` attribute."""
    if getattr(view_func, "catalogue_cacheable", False):
        return True
    viewset = getattr(view_func, "cls", None)
    actions = getattr(view_func, "actions", None) or {}
    return bool(viewset and getattr(viewset, "catalogue_cacheable", False) and "get" in actions)


@functools.cache
def known_parameters() -> frozenset[str]:
    """The query parameters catalogue reads understand: an answer to a URL with any other is not
    stored, so made-up parameters cannot fill the cache (each value of a known one still can: Redis
    must run with a memory limit and an LRU policy, docs/deploy.md)."""
    from .filters import ItemFilter, RegionFilter

    return frozenset(
        {
            *ItemFilter.base_filters,
            *RegionFilter.base_filters,
            "page",
            "page_size",
            "format",
            "search",
            "region",
            "item",
        }
    )


def matches(if_none_match: str, etag: str | None) -> bool:
    return bool(etag) and etag in {tag.strip() for tag in if_none_match.split(",")}


class CatalogueCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.session_cookie = settings.SESSION_COOKIE_NAME
        self.messages_cookie = getattr(settings, "MESSAGE_COOKIE_NAME", "messages")

    def anonymous_read(self, request) -> bool:
        cookies = request.COOKIES
        return (
            request.method in ("GET", "HEAD")
            and CATALOGUE_PATHS.match(request.path_info) is not None
            and self.session_cookie not in cookies
            and self.messages_cookie not in cookies
            and "HTTP_AUTHORIZATION" not in request.META
            # DRF's test client authenticates without a cookie or a header (force_authenticate).
            and getattr(request, "_force_auth_user", None) is None
            and cache.enabled()
        )

    def __call__(self, request):
        if not self.anonymous_read(request):
            return self.get_response(request)
        try:
            host = request.get_host()
        except DisallowedHost:
            return self.get_response(request)  # the full path answers 400 as always
        language = translation.get_language_from_request(request)  # as LocaleMiddleware resolves it
        version = cache.request_local_version(request)
        if version.startswith(cache.UNAVAILABLE):
            return self.get_response(request)
        key = cache.answer_key(version, language, cache.PUBLIC, request, host)
        if key is None:  # an Accept header of neither class: answered, not stored
            return self.get_response(request)
        entry = cache.stored_answer(key)
        if entry is not None:
            return self.replay(request, entry)
        # Nothing stored in this process or the cache yet: the full path renders the answer once, to
        # store it, even when the reader sent If-None-Match (else a process that only ever sees
        # conditional requests would never store one, and every 304 would go the full path).
        if_none_match = request.META.pop("HTTP_IF_NONE_MATCH", None) if request.method == "GET" else None
        response = self.get_response(request)
        if (
            request.method == "GET"
            and getattr(request, "_catalogue_cacheable", False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not getattr(getattr(request, "user", None), "is_authenticated", False)
            and known_parameters().issuperset(request.GET)
        ):
            headers = list(response.headers.items())
            entry = cache.store_answer(key, response.status_code, headers, response.content)
            if if_none_match is not None:
                request.META["HTTP_IF_NONE_MATCH"] = if_none_match
                return self.replay(request, entry)
        return response

    @staticmethod
    def replay(request, entry) -> HttpResponse:
        """The stored answer, or its 304 when If-None-Match names its ETag."""
        status, headers, body, etag, headers_304 = entry
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if etag and if_none_match is not None and matches(if_none_match, etag):
            response = HttpResponse(status=304, headers=headers_304)
            del response.headers["Content-Type"]  # set by HttpResponse; the full path's 304 has none
            return response
        return HttpResponse(body, status=status, headers=headers)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if cacheable_view(view_func):
            request._catalogue_cacheable = True
