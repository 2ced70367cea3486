"""The portal's URLs plus /bare/<name>/: a bare Django view answering bytes captured from the portal
(BARE_DIR/<name>.body with its content type in <name>.type), through the same middleware. The
catalogue benchmark compares every catalogue answer with it. Never used in production."""

import os
from pathlib import Path

from django.http import Http404, HttpResponse
from django.urls import path

from kuasheng.urls import handler400, handler404, handler500  # noqa: F401
from kuasheng.urls import urlpatterns as portal

_answers: dict[str, tuple[bytes, str]] = {}


def bare(request, name: str):
    if name not in _answers:
        folder = Path(os.environ["BARE_DIR"])
        body, kind = folder / f"{name}.body", folder / f"{name}.type"
        if not body.exists():
            raise Http404
        _answers[name] = (body.read_bytes(), kind.read_text())
    body, content_type = _answers[name]
    return HttpResponse(body, content_type=content_type)


urlpatterns = [path("bare/<slug:name>/", bare), *portal]
