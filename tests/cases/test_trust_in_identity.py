"""Who a case is filed for: an account's own verified identity, or a principal with a mandate."""

import pytest

from cases.models import Case, Material
from tests.builders import PERSON, act, case_payload, register
from tests.conftest import make_applicant, make_user

from .conftest import client_for

pytestmark = pytest.mark.django_db

PRINCIPAL = {
    "kind": "person",
    "name": "王五",
    "id_type": "resident_id",
    "id_number": "510104199001010035",
    "phone": "13900139000",
}
COMPANY = {
    "kind": "organisation",
    "name": "深圳演示科技有限公司",
    "id_type": "uscc",
    "id_number": "91110000600037341L",
    "phone": "075588886666",
    "contact_name": "张三丰",
    "contact_id_type": "resident_id",
    "contact_id_number": "11010519491231002X",
}


def file(user, payload):
    return client_for(user).post("/api/v1/cases/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")


def test_an_applicant_files_in_their_own_verified_name_without_typing_it(applicant, offices):
    payload = case_payload("online", offices)
    del payload["applicant"]
    reply = file(applicant, {**payload, "contact": {"phone": "13600136000", "address": "成都市锦江区"}})
    assert reply.status_code == 201, reply.content
    case = Case.objects.select_related("applicant").get(number=reply.json()["number"])
    assert (case.applicant.name, case.applicant.id_number) == ("张三丰", "11010519491231002X")
    assert (case.applicant.phone, case.applicant.user_id) == ("13600136000", applicant.pk)


def test_an_applicant_cannot_file_in_someone_elses_name(applicant, offices):
    payload = case_payload("online", offices, applicant=dict(PRINCIPAL))
    reply = file(applicant, payload)
    assert reply.status_code == 400
    assert "张三丰" in reply.json()["applicant"][0]
    assert not Case.objects.exists()


def test_an_account_without_a_verified_identity_cannot_file(offices):
    anonymous_person = make_user("no_identity", "applicant")
    reply = file(anonymous_person, case_payload("online", offices))
    assert reply.status_code == 400
    assert "identity" in reply.json()["applicant"][0]


def test_an_agent_files_for_a_principal_and_the_mandate_is_needed_before_acceptance(
    applicant, handling_officer, offices
):
    payload = case_payload("online", offices, applicant=dict(PRINCIPAL), as_agent=True)
    reply = file(applicant, payload)
    assert reply.status_code == 201, reply.content
    case = Case.objects.select_related("applicant").get(number=reply.json()["number"])
    assert (case.applicant.name, case.applicant.user_id) == ("王五", None)
    assert (case.applicant.agent_name, case.applicant.agent_id_number) == ("张三丰", "11010519491231002X")
    officer = client_for(handling_officer)
    refused = officer.post(f"/api/v1/cases/{case.number}/actions/accept/", {}, format="json")
    assert refused.status_code == 400 and "mandate" in refused.json()
    upload = client_for(applicant).post(
        f"/api/v1/cases/{case.number}/materials/",
        {"file": _pdf("授权委托书.pdf"), "kind": "mandate"},
        format="multipart",
    )
    assert upload.status_code == 200, upload.content
    assert officer.post(f"/api/v1/cases/{case.number}/actions/accept/", {}, format="json").status_code == 200
    assert Material.objects.get(case=case).kind == "mandate"


def test_an_agent_gives_no_agent_details_of_their_own_and_cannot_act_for_themselves(applicant, offices):
    payload = case_payload("online", offices, applicant={**PRINCIPAL, "agent_name": "别人"}, as_agent=True)
    assert "applicant" in file(applicant, payload).json()
    payload = case_payload("online", offices, applicant=dict(PERSON), as_agent=True)
    assert "as_agent" in file(applicant, payload).json()


def test_an_organisation_account_files_with_its_own_credit_code(applicant, offices):
    company = make_applicant("company", **COMPANY)
    payload = case_payload("online", offices, item="KS-2-015", handling_office=offices["dept_a"].code)
    del payload["applicant"]
    reply = file(company, payload)
    assert reply.status_code == 201, reply.content
    case = Case.objects.select_related("applicant").get(number=reply.json()["number"])
    assert (case.applicant.kind, case.applicant.id_number) == ("organisation", "91110000600037341L")
    assert case.applicant.agent_name == "张三丰"  # the person acting for it, from the account
    # A person's account cannot name an organisation as itself.
    payload["applicant"] = {k: COMPANY[k] for k in ("kind", "name", "id_type", "id_number")}
    assert file(applicant, payload).status_code == 400


@pytest.mark.parametrize(
    ("item", "who", "message"),
    [("KS-1-031", "person", "organisations only"), ("KS-1-005", "organisation", "persons only")],
)
def test_the_items_audience_is_enforced_with_a_reason(item, who, message, offices, window_clerk):
    from catalogue.models import ServiceItem

    ServiceItem.objects.filter(code=item).update(supports_proxy=True)
    applicant = (
        dict(PERSON) if who == "person" else {k: COMPANY[k] for k in ("kind", "name", "id_type", "id_number")}
    )
    payload = case_payload("proxy", offices, item=item, applicant=applicant)
    reply = file(window_clerk, payload)
    assert reply.status_code == 400
    assert message in reply.json()["applicant"][0]


def test_full_width_digits_and_spaces_are_normalised_and_tracking_by_id_tail_works(
    window_clerk, offices, api
):
    typed = {
        **PERSON,
        "id_number": "１１０１０５ １９４９１２３１ ００２ｘ",
        "phone": "１３８ １２３４-５６７８",
    }
    reply = client_for(window_clerk).post(
        "/api/v1/cases/", case_payload("proxy", offices, applicant=typed), format="json"
    )
    assert reply.status_code == 201, reply.content
    case = Case.objects.select_related("applicant").get(number=reply.json()["number"])
    assert (case.applicant.id_number, case.applicant.phone) == ("11010519491231002X", "13812345678")
    assert api.get("/api/v1/track/", {"number": case.number, "id_tail": "002x"}).status_code == 200
    assert api.get("/api/v1/track/", {"number": case.number, "id_tail": "００２Ｘ"}).status_code == 200


def test_cooperating_offices_belong_to_joint_cases_only_and_each_once(applicant, window_clerk, offices):
    online = case_payload("online", offices, cooperating=[{"office": offices["dept_c"].code}])
    assert "cooperating" in file(applicant, online).json()
    twice = [{"office": offices["dept_c"].code}, {"office": offices["dept_c"].code}]
    proxy = case_payload("proxy", offices, cooperating=twice)
    reply = file(window_clerk, proxy)
    assert reply.status_code == 400 and "cooperating" in reply.json()
    joint = case_payload("joint", offices, cooperating=twice)
    assert "cooperating" in file(applicant, joint).json()
    assert not Case.objects.exists()


def test_the_demo_walk_in_and_applicants_pass_the_same_checks_as_typed_input():
    from cases import accounts, demo
    from cases.serializers import ApplicantInputSerializer

    assert ApplicantInputSerializer(data=demo.WALK_IN).is_valid(), "the walk-in's ID number must be valid"
    for profile in demo.PROFILES.values():
        accounts.check_identity(profile)


def test_a_registered_account_gets_its_identity_checked(db):
    from django.core.exceptions import ValidationError

    from cases import accounts

    with pytest.raises(ValidationError) as error:
        accounts.create_applicant_account(
            username="new", password="a-long-pass-2026", profile={**PERSON, "id_number": "110105194912310021"}
        )
    assert "id_number" in error.value.message_dict
    user = accounts.create_applicant_account(
        username="new",
        password="a-long-pass-2026",
        profile={**PERSON, "id_number": "１１０１０５１９４９１２３１００２x"},
    )
    assert user.applicant_profile.id_number == "11010519491231002X"


def _pdf(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")


def test_a_case_filed_in_the_accounts_own_name_needs_no_mandate(applicant, handling_officer, offices):
    case = register(applicant, "online", offices)
    assert act(handling_officer, case, "accept").status == "accepted"
