"""Uploading materials (limits, SHA-256, trust levels) and the public progress lookup."""

import hashlib

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Material
from tests.builders import act, register

from .conftest import client_for

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def online_case(applicant, offices):
    return register(applicant, "online", offices)


def upload(client, number, content=PDF, name="id-card.pdf", **extra):
    return client.post(
        f"/api/v1/cases/{number}/materials/",
        {"file": SimpleUploadedFile(name, content), "name": "身份证正反面", **extra},
        format="multipart",
    )


def test_an_applicant_uploads_a_pdf_and_staff_download_it(
    online_case, applicant, handling_officer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    reply = upload(client_for(applicant), online_case.number, trust_level="A")
    assert reply.status_code == 200, reply.content
    material = Material.objects.get(case=online_case)
    assert (material.size, material.content_type, material.trust_level) == (len(PDF), "application/pdf", "D")
    assert material.sha256 == hashlib.sha256(PDF).hexdigest()
    assert "11010519491231002X" not in material.file.name and "张三丰" not in material.file.name
    entry = client_for(handling_officer).get(f"/api/v1/cases/{online_case.number}/").json()["materials"][0]
    download = client_for(handling_officer).get(entry["download"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"MZ\x90\x00 not a document", "virus.pdf"),
        (PDF, "id-card.exe"),
        (b"\x89PNG\r\n\x1a\n....", "scan.pdf"),
        (b"", "empty.pdf"),
    ],
)
def test_files_of_the_wrong_type_are_refused(online_case, applicant, content, name, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    reply = upload(client_for(applicant), online_case.number, content=content, name=name)
    assert reply.status_code == 400 and "file" in reply.json()
    assert not Material.objects.filter(case=online_case).exists()


def test_a_file_over_the_limit_is_refused(online_case, applicant, settings, tmp_path):
    settings.MEDIA_ROOT, settings.MATERIAL_MAX_BYTES = tmp_path, 1024
    reply = upload(client_for(applicant), online_case.number, content=PDF + b"0" * 2048)
    assert reply.status_code == 400 and "file" in reply.json()


def test_uploads_close_once_the_case_is_accepted(
    online_case, applicant, handling_officer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    act(handling_officer, online_case, "accept")
    assert upload(client_for(applicant), online_case.number).status_code == 409


def test_others_cannot_upload_or_download(online_case, applicant, outsider, supervisor_b, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload(client_for(applicant), online_case.number)
    material = Material.objects.get(case=online_case)
    assert upload(client_for(outsider), online_case.number).status_code == 404
    url = f"/api/v1/cases/{online_case.number}/materials/{material.pk}/file/"
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(supervisor_b).get(url).status_code == 403  # sees the case, may not open documents
    assert (
        client_for(supervisor_b)
        .get(f"/api/v1/cases/{online_case.number}/")
        .json()["materials"][0]["download"]
        is None
    )


def test_a_window_clerk_records_a_paper_original_with_a_trust_level(window_clerk, offices):
    case = register(window_clerk, "proxy", offices)
    reply = client_for(window_clerk).post(
        f"/api/v1/cases/{case.number}/materials/",
        {"name": "户口簿（原件已核）", "original_on_paper": True, "trust_level": "C"},
        format="multipart",
    )
    assert reply.status_code == 200, reply.content
    material = Material.objects.get(case=case)
    assert (material.original_on_paper, material.trust_level, bool(material.file)) == (True, "C", False)


def test_anyone_can_track_a_case_with_its_number_and_id_tail(api, online_case, handling_officer):
    act(handling_officer, online_case, "accept")
    cache.clear()
    reply = api.get("/api/v1/track/", {"number": online_case.number, "id_tail": "002x"})
    assert reply.status_code == 200
    body = reply.json()
    assert body["status"] == "accepted" and [e["action"] for e in body["timeline"]] == ["submit", "accept"]
    text = reply.content.decode()
    for secret in ("张三丰", "11010519491231002X", "13812345678", "红星路", "officer_b"):
        assert secret not in text


def test_a_wrong_tail_or_number_looks_the_same(api, online_case):
    cache.clear()
    wrong_tail = api.get("/api/v1/track/", {"number": online_case.number, "id_tail": "1234"})
    wrong_number = api.get("/api/v1/track/", {"number": "440305-20000101-O-00001", "id_tail": "002X"})
    assert wrong_tail.status_code == wrong_number.status_code == 404
    assert wrong_tail.json() == wrong_number.json()
    assert api.get("/api/v1/track/", {"number": online_case.number}).status_code == 400


def test_tracking_is_throttled(api, online_case):
    cache.clear()
    codes = [
        api.get("/api/v1/track/", {"number": online_case.number, "id_tail": "0000"}).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [404] * 10 and codes[-1] == 429


def test_the_deciding_office_attaches_the_result_and_the_applicant_downloads_it(
    online_case, applicant, handling_officer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    for action in ("accept", "start_review"):
        act(handling_officer, online_case, action)
    # Before the decision there is no result to attach, and an applicant never attaches one.
    assert upload(client_for(handling_officer), online_case.number, kind="result").status_code == 409
    act(handling_officer, online_case, "approve")
    assert upload(client_for(applicant), online_case.number, kind="result").status_code in (403, 409)
    without_file = client_for(handling_officer).post(
        f"/api/v1/cases/{online_case.number}/materials/", {"kind": "result"}, format="multipart"
    )
    assert without_file.status_code == 400 and "file" in without_file.json()

    reply = upload(client_for(handling_officer), online_case.number, name="准予决定书.pdf", kind="result")
    assert reply.status_code == 200, reply.content
    [result] = [m for m in reply.json()["materials"] if m["kind"] == "result"]
    assert result["name"] == "身份证正反面"  # the name given, as for any upload
    assert online_case.materials.get(kind="result").uploaded_by == handling_officer
    # Until it is delivered the result is the office's: not listed, not downloadable, no notice.
    file_url = f"/api/v1/cases/{online_case.number}/materials/{result['id']}/file/"
    mine = client_for(applicant)
    listed = mine.get(f"/api/v1/cases/{online_case.number}/").json()["materials"]
    assert [m for m in listed if m["kind"] == "result"] == []
    assert mine.get(file_url).status_code == 404
    mine.force_login(applicant)  # the pages use the session
    assert mine.get(f"/cases/{online_case.number}/materials/{result['id']}/").status_code == 404
    assert mine.get(f"/cases/{online_case.number}/print/result/").status_code == 404
    act(handling_officer, online_case, "deliver_online")
    assert mine.get(f"/cases/{online_case.number}/print/result/").status_code == 200

    download = client_for(applicant).get(f"/api/v1/cases/{online_case.number}/materials/{result['id']}/file/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
