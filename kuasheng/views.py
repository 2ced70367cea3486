"""Site-wide views that belong to no app: the language switch."""

from django.views import i18n
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def set_language(request):
    """Django's `set_language` (POST `language` and `next`) without the CSRF check.

    With no `{% csrf_token %}` in the header's language form, an anonymous page sets no cookie and a
    cache may keep it (docs/deploy.md). The check would protect nothing here: the view changes only
    the reader's language cookie — the worst a forged request can do is show someone the site in
    English — and it redirects only to a page of this site (Django checks `next`).
    """
    return i18n.set_language(request)
