"""Pages: supervisor (see cases/urls.py)."""

urlpatterns: list = []
