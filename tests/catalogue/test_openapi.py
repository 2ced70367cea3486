import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text(encoding="utf-8")
    for path in (
        "/api/v1/items/",
        "/api/v1/items/{code}/",
        "/api/v1/regions/{code}/",
        "/api/v1/departments/",
    ):
        assert f"  {path}:" in text
    assert "'304'" in text and "'404'" in text and "'400'" in text
    schema = yaml.safe_load(text)
    without_errors = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if not any(code.startswith("4") for code in operation["responses"])
    ]
    assert without_errors == []


def test_the_schema_and_docs_are_served_with_local_assets(client):
    assert client.get("/api/schema/").status_code == 200
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
