"""The page tests use the personas of the case tests (offices and their staff)."""

import pytest
from django.core.cache import cache

from tests.cases.conftest import (  # noqa: F401 (fixtures, re-exported for pytest)
    handling_officer,
    offices,
    other_applicant,
    supervisor_b,
    tasks_in_process,
    window_clerk,
)


@pytest.fixture(autouse=True)
def fresh_throttles():
    """The tracking throttle counts in the cache: every test starts with none used."""
    cache.clear()
