"""Fixtures the catalogue tests borrow from the case tests: offices and staff, to file a case
under an item (tests/catalogue/test_guides_truth.py)."""

from tests.cases.conftest import handling_officer, offices, window_clerk  # noqa: F401
