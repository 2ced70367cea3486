"""办件查询: the public progress page, by case number and the ID's last 4 characters."""

import pytest
from django.utils import timezone, translation

from cases import workflows
from tests.builders import act, register

pytestmark = pytest.mark.django_db
SECRETS = ("张三丰", "11010519491231002X", "13812345678", "红星路", "officer_b")


@pytest.fixture
def online_case(applicant, offices, handling_officer):
    return act(handling_officer, register(applicant, "online", offices), "accept")


def test_anyone_finds_a_case_by_number_and_tail_and_sees_no_names(client, online_case):
    reply = client.get("/track/", {"number": online_case.number, "id_tail": "002x"})
    assert reply.status_code == 200
    text = reply.content.decode()
    assert online_case.number in text and "成都市公安局锦江区分局" in text
    steps = reply.context["progress"]["timeline"]
    assert [step["label"] for step in steps] == [workflows.action_label(a) for a in ("submit", "accept")]
    assert reply.context["progress"]["status_label"] in text
    for secret in SECRETS:
        assert secret not in text


def test_a_full_width_tail_and_a_number_with_spaces_are_found_too(client, online_case):
    number = online_case.number.replace("-", " - ", 1).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    reply = client.get("/track/", {"number": number, "id_tail": "００２ｘ"})
    assert reply.status_code == 200 and reply.context["case"] == online_case


def test_a_wrong_tail_and_a_wrong_number_read_the_same(client, online_case):
    wrong_tail = client.get("/track/", {"number": online_case.number, "id_tail": "1234"})
    wrong_number = client.get("/track/", {"number": "440305-20000101-O-00001", "id_tail": "002X"})
    assert wrong_tail.status_code == wrong_number.status_code == 404
    assert wrong_tail.context["not_found"] and wrong_number.context["not_found"]
    tail_text, number_text = (
        r.content.decode().split('class="track-result"')[1] for r in (wrong_tail, wrong_number)
    )
    assert tail_text == number_text
    assert online_case.item.name not in tail_text


def test_a_tail_of_the_wrong_length_is_told_beside_the_field(client, online_case):
    reply = client.get("/track/", {"number": online_case.number, "id_tail": "02X"})
    assert reply.status_code == 400
    assert 'id="id_id_tail_error"' in reply.content.decode()


def test_the_empty_form_is_a_plain_page(client):
    reply = client.get("/track/")
    assert reply.status_code == 200 and reply.context["form"].errors == {}


def test_times_are_shown_in_beijing_time(client, online_case, settings):
    settings.TIME_ZONE = "UTC"
    reply = client.get("/track/", {"number": online_case.number, "id_tail": "002X"})
    beijing = timezone.localtime(online_case.created_at, timezone.get_fixed_timezone(8 * 60))
    assert beijing.strftime("%Y-%m-%d %H:%M") in reply.content.decode()


def test_lookups_are_throttled_with_the_apis_limit_and_counter(client, online_case):
    for _ in range(5):
        client.get("/api/v1/track/", {"number": online_case.number, "id_tail": "0000"})
    codes = [
        client.get("/track/", {"number": online_case.number, "id_tail": "0000"}).status_code for _ in range(6)
    ]
    assert codes == [404] * 5 + [429]
    throttled = client.get(
        "/track/", {"number": online_case.number, "id_tail": "002X"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
    with translation.override("zh-hans"):
        assert translation.gettext("Too many lookups") in throttled.content.decode()
    assert online_case.item.name not in throttled.content.decode()
