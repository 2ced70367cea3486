"""Pages: clerk (see cases/urls.py)."""

urlpatterns: list = []
