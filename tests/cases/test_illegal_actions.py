"""Every action not in the table for the current status is refused with 409, and changes nothing."""

import pytest
from django.contrib.auth import get_user_model

from cases import selectors, services, workflows
from cases.models import Case, CaseEvent, HandoffMessage, Leg
from tests.builders import PERSON, act, register

from .conftest import client_for

pytestmark = pytest.mark.django_db

# The main path of each mode: (who, action, input). Statuses met on the way are each checked.
PATHS = {
    "online": [
        ("handling_officer", "request_correction", {"missing": "身份证反面"}),
        ("applicant", "resubmit", {}),
        ("handling_officer", "accept", {}),
        ("handling_officer", "start_review", {}),
        ("handling_officer", "suspend", {"reason": "专家评审"}),
        ("handling_officer", "resume", {}),
        ("handling_officer", "approve", {}),
        ("handling_officer", "deliver_online", {}),
        ("handling_officer", "conclude", {}),
    ],
    "proxy": [
        ("window_clerk", "request_correction", {"missing": "户口簿"}),
        ("window_clerk", "resubmit", {}),
        ("window_clerk", "pass_formal_review", {}),
        ("window_clerk", "check_identity", {}),
        ("window_clerk", "transfer", {}),
        ("handling_officer", "return", {"reason": "材料不清晰"}),
        ("window_clerk", "transfer", {}),
        ("handling_officer", "sign_for", {}),
        ("handling_officer", "accept", {}),
        ("handling_officer", "start_review", {}),
        ("handling_officer", "approve", {}),
        (
            "handling_officer",
            "ship_result",
            {"carrier": "EMS", "tracking_number": "EMS0000000001", "ship_to": "window"},
        ),
        ("window_clerk", "receive_result", {}),
        ("window_clerk", "record_pickup", {}),
    ],
    "joint": [
        ("receiving_officer", "request_correction", {"missing": "转出证明"}),
        ("applicant", "resubmit", {}),
        ("receiving_officer", "accept", {}),
        ("leg_officer", "sign_leg", {}),
        ("leg_officer", "start_leg", {}),
        ("leg_officer", "agree_leg", {"opinion": "同意"}),
        ("receiving_officer", "approve", {}),
        ("receiving_officer", "deliver_online", {}),
        ("receiving_officer", "conclude", {}),
    ],
}
FILER = {"online": "applicant", "proxy": "window_clerk", "joint": "applicant"}


@pytest.fixture
def people(applicant, window_clerk, handling_officer, receiving_officer, leg_officer):
    return locals()


@pytest.fixture
def inspector(db):
    """An admin sees every case, so the status check is what answers."""
    return get_user_model().objects.create_superuser("inspector", password="pw-for-tests-1")


def illegal_actions(mode: str, status: str) -> list[str]:
    table = [
        s
        for s in workflows.TABLES[mode]
        if not s.on_leg and s.action not in workflows.INITIAL_ACTIONS and workflows.SYSTEM not in s.roles
    ]
    possible = {s.action for s in table if status in s.sources}
    return sorted({s.action for s in table} - possible)


def check_every_illegal_action(case: Case, inspector) -> list[str]:
    actor = selectors.actor_for(inspector)
    wrong = []
    before = (
        case.status,
        case.version,
        CaseEvent.objects.filter(case=case).count(),
        HandoffMessage.objects.count(),
    )
    for action in illegal_actions(case.mode, case.status):
        try:
            services.perform(
                number=case.number, action=action, actor=actor, data={"reason": "x", "missing": "x"}
            )
        except workflows.InvalidTransition as error:
            assert error.status == case.status
        else:
            wrong.append(f"{action} was allowed from {case.status}")
    leg_steps = [s for s in workflows.TABLES[case.mode] if s.on_leg and workflows.SYSTEM not in s.roles]
    for leg in Leg.objects.filter(case=case):
        possible = {s.action for s in leg_steps if leg.status in s.sources}
        for action in sorted({s.action for s in leg_steps} - possible):
            try:
                services.perform(
                    number=case.number,
                    action=action,
                    actor=actor,
                    data={"leg": leg.pk, "reason": "x", "opinion": "x"},
                )
            except workflows.InvalidTransition as error:
                assert error.status == leg.status
            else:
                wrong.append(f"{action} was allowed from leg status {leg.status}")
    case.refresh_from_db()
    after = (
        case.status,
        case.version,
        CaseEvent.objects.filter(case=case).count(),
        HandoffMessage.objects.count(),
    )
    assert after == before
    return wrong


@pytest.mark.parametrize("mode", ["online", "proxy", "joint"])
def test_every_illegal_action_of_every_status_on_the_main_path_is_refused(mode, people, offices, inspector):
    case = register(people[FILER[mode]], mode, offices)
    wrong, seen = check_every_illegal_action(case, inspector), {(case.status,)}
    for who, action, data in PATHS[mode]:
        if action.endswith("_leg"):
            data = {**data, "leg": Leg.objects.get(case=case).pk}
        case = act(people[who], case, action, **data)
        state = (case.status, *Leg.objects.filter(case=case).values_list("status", flat=True))
        if state not in seen:
            seen.add(state)
            wrong += check_every_illegal_action(case, inspector)
    assert wrong == []
    assert case.status == "concluded"


@pytest.mark.parametrize(
    ("mode", "terminal_path", "final"),
    [
        ("online", [("handling_officer", "refuse", {"reason": "不属于本机关管辖"})], "refused"),
        ("online", [("applicant", "withdraw", {})], "withdrawn"),
        ("proxy", [("window_clerk", "refuse", {"reason": "不属于跨省通办事项"})], "refused"),
    ],
)
def test_nothing_is_possible_after_a_case_ended(mode, terminal_path, final, people, offices, inspector):
    case = register(people[FILER[mode]], mode, offices)
    for who, action, data in terminal_path:
        case = act(people[who], case, action, **data)
    assert case.status == final
    assert check_every_illegal_action(case, inspector) == []


def test_a_409_names_the_status_and_the_actions_possible_now(people, offices):
    case = register(people["applicant"], "online", offices)
    reply = client_for(people["handling_officer"]).post(
        f"/api/v1/cases/{case.number}/actions/approve/", {}, format="json"
    )
    assert reply.status_code == 409
    body = reply.json()
    assert body["status"] == "submitted"
    assert sorted(body["allowed_actions"]) == ["accept", "refuse", "request_correction"]
    assert "已提交" in body["detail"] or "Submitted" in body["detail"]


def test_an_unknown_action_is_404(people, offices):
    case = register(people["applicant"], "online", offices)
    reply = client_for(people["handling_officer"]).post(f"/api/v1/cases/{case.number}/actions/teleport/", {})
    assert reply.status_code == 404


def test_the_system_steps_cannot_be_called_through_the_api(people, offices):
    case = register(people["applicant"], "joint", offices)
    act(people["receiving_officer"], case, "accept")
    reply = client_for(people["receiving_officer"]).post(
        f"/api/v1/cases/{case.number}/actions/all_legs_agreed/", {}, format="json"
    )
    assert reply.status_code == 403
    assert Case.objects.get(pk=case.pk).status == "coordinating"


def test_an_applicant_id_is_kept_exactly(people, offices):
    case = register(people["applicant"], "online", offices)
    assert case.applicant.id_number == PERSON["id_number"]
