"""Fixtures of the catalogue tests: a logged-in catalogue admin, what its change pages post back, and
offices and staff borrowed from the case tests, to file a case under an item (test_guides_truth.py)."""

import pytest
from django.test import Client

from tests.cases.conftest import handling_officer, offices, window_clerk  # noqa: F401


@pytest.fixture
def admin_client(admin_user):
    """The admin as a catalogue admin (staff with the catalogue permissions, not a superuser) uses it."""
    client = Client()
    client.force_login(admin_user)
    return client


def change_form_data(page) -> dict:
    """What the browser would post back from an admin change page, inlines included."""
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{management.prefix}-{k}": v for k, v in management.initial.items()})
        for sub in inline.formset.forms:
            data.update({sub.add_prefix(k): sub[k].value() for k in sub.fields if sub[k].value() is not None})
    return data


@pytest.fixture(autouse=True)
def fresh_catalogue_version():
    """Tests roll back their writes but the catalogue version and stored answers would outlive them:
    each test starts from a new version (tests/conftest.py's cache.clear() does so too)."""
    from catalogue import cache as catalogue_cache

    catalogue_cache.new_version()
