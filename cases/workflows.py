"""The three 跨省通办 workflows as data: which action moves which status where, and who may do it.

One table per mode. Each row (a `Step`) names the action, the statuses it may start from, the
status it leads to (`SAME`: no change, `PREVIOUS`: back to where a correction or suspension
began), the roles allowed and the office they must belong to (the case's receiving or
handling office, the leg's office, or the applicant who owns the case), the message it sends
to another region, and what it does to the clock. `docs/workflows.md` is generated from these
tables (`python manage.py workflow_docs`); a test keeps the two equal.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .roles import APPLICANT, HANDLING_OFFICER, SYSTEM, WINDOW_CLERK

SAME = "="
PREVIOUS = "<previous>"

# Office a step's actor must belong to.
OWNER = "owner"  # the applicant (or agent) who filed the case
RECEIVING = "receiving"
HANDLING = "handling"
LEG = "leg"
NOWHERE = "-"  # system steps

STATUS_LABELS = {
    "submitted": _("Submitted"),
    "received": _("Received at the window"),
    "correction_requested": _("Correction requested"),
    "reviewed": _("Formal review passed"),
    "identity_checked": _("Identity checked"),
    "transferred": _("Transferred, waiting to be signed for"),
    "returned": _("Returned by the handling office"),
    "signed": _("Signed for by the handling office"),
    "accepted": _("Accepted"),
    "coordinating": _("Regions cooperating"),
    "legs_agreed": _("All regions agreed"),
    "in_review": _("In review"),
    "suspended": _("Suspended (special procedure)"),
    "approved": _("Approved"),
    "denied": _("Denied"),
    "refused": _("Not accepted"),
    "result_shipped": _("Result sent by post"),
    "ready_for_pickup": _("Result ready for pickup at the window"),
    "delivered": _("Result delivered online"),
    "concluded": _("Concluded"),
    "withdrawn": _("Withdrawn"),
}
LEG_STATUS_LABELS = {
    "planned": _("Planned (until the case is accepted)"),
    "waiting": _("Waiting for an earlier region"),
    "to_sign": _("To be signed for"),
    "signed": _("Signed for"),
    "working": _("Working on it"),
    "agreed": _("Agreed"),
    "disagreed": _("Disagreed"),
    "returned": _("Returned"),
}
FINAL_STATUSES = frozenset({"concluded", "refused", "withdrawn"})
# Statuses in which the statutory clock runs (after acceptance, before a decision).
CLOCK_RUNNING = frozenset({"accepted", "coordinating", "legs_agreed", "in_review"})


@dataclass(frozen=True)
class Step:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    office: str
    on_leg: bool = False  # sources and target are the leg's statuses
    needs: tuple[str, ...] = ()  # input fields that must be given
    sends: tuple[str, str] | None = None  # (message kind, to office: RECEIVING / HANDLING / LEG)
    clock: str = ""  # start / suspend / resume / stop
    label: str = field(default="", compare=False)


def _decision_steps(
    office: str, roles: tuple[str, ...], decide_from: str, sends_to: str | None
) -> tuple[Step, ...]:
    """Review, special procedures (特殊环节), decision and online delivery, at the deciding office."""
    review = (
        (Step("start_review", ("accepted",), "in_review", roles, office),)
        if decide_from == "in_review"
        else ()
    )
    return (
        *review,
        Step("suspend", (decide_from,), "suspended", roles, office, needs=("reason",), clock="suspend"),
        Step("resume", ("suspended",), PREVIOUS, roles, office, clock="resume"),
        Step("approve", (decide_from,), "approved", roles, office),
        Step("deny", (decide_from,), "denied", roles, office, needs=("reason",)),
        # The electronic result (证照, 决定书) the applicant downloads once it is delivered online.
        Step("attach_result", ("approved", "denied"), SAME, roles, office),
        Step(
            "deliver_online",
            ("approved", "denied"),
            "delivered",
            roles,
            office,
            sends=("result_delivered", sends_to) if sends_to else None,
            clock="stop",
        ),
    )


ONLINE = (
    Step("submit", (), "submitted", (APPLICANT,), OWNER, sends=("submitted", HANDLING)),
    Step("add_material", ("submitted", "correction_requested"), SAME, (APPLICANT,), OWNER),
    Step(
        "request_correction",
        ("submitted", "in_review"),
        "correction_requested",
        (HANDLING_OFFICER,),
        HANDLING,
        needs=("missing",),
        clock="suspend",
    ),
    Step(
        "resubmit",
        ("correction_requested",),
        PREVIOUS,
        (APPLICANT,),
        OWNER,
        sends=("resubmitted", HANDLING),
        clock="resume",
    ),
    Step("withdraw", ("submitted", "correction_requested"), "withdrawn", (APPLICANT,), OWNER),
    Step("accept", ("submitted",), "accepted", (HANDLING_OFFICER,), HANDLING, clock="start"),
    Step("refuse", ("submitted",), "refused", (HANDLING_OFFICER,), HANDLING, needs=("reason",)),
    *_decision_steps(HANDLING, (HANDLING_OFFICER,), "in_review", None),
    Step("conclude", ("delivered",), "concluded", (HANDLING_OFFICER,), HANDLING),
)

PROXY = (
    Step("register", (), "received", (WINDOW_CLERK,), RECEIVING),
    Step(
        "add_material",
        ("received", "correction_requested", "reviewed", "identity_checked", "returned"),
        SAME,
        (WINDOW_CLERK,),
        RECEIVING,
    ),
    Step(
        "request_correction",
        ("received",),
        "correction_requested",
        (WINDOW_CLERK,),
        RECEIVING,
        needs=("missing",),
        clock="suspend",
    ),
    Step("resubmit", ("correction_requested",), PREVIOUS, (WINDOW_CLERK,), RECEIVING, clock="resume"),
    Step("refuse", ("received", "returned"), "refused", (WINDOW_CLERK,), RECEIVING, needs=("reason",)),
    Step("pass_formal_review", ("received",), "reviewed", (WINDOW_CLERK,), RECEIVING),
    Step("check_identity", ("reviewed",), "identity_checked", (WINDOW_CLERK,), RECEIVING),
    Step(
        "transfer",
        ("identity_checked", "returned"),
        "transferred",
        (WINDOW_CLERK,),
        RECEIVING,
        sends=("transfer", HANDLING),
    ),
    Step(
        "ship_materials",
        ("transferred", "signed", "accepted", "in_review"),
        SAME,
        (WINDOW_CLERK,),
        RECEIVING,
        needs=("carrier", "tracking_number"),
        sends=("materials_shipped", HANDLING),
    ),
    Step("sign_for", ("transferred",), "signed", (HANDLING_OFFICER,), HANDLING, sends=("signed", RECEIVING)),
    Step(
        "return",
        ("transferred",),
        "returned",
        (HANDLING_OFFICER,),
        HANDLING,
        needs=("reason",),
        sends=("returned", RECEIVING),
    ),
    Step("receive_materials", ("signed", "accepted", "in_review"), SAME, (HANDLING_OFFICER,), HANDLING),
    Step(
        "accept",
        ("signed",),
        "accepted",
        (HANDLING_OFFICER,),
        HANDLING,
        clock="start",
        sends=("accepted", RECEIVING),
    ),
    Step(
        "refuse",
        ("signed",),
        "refused",
        (HANDLING_OFFICER,),
        HANDLING,
        needs=("reason",),
        sends=("refused", RECEIVING),
    ),
    *_decision_steps(HANDLING, (HANDLING_OFFICER,), "in_review", RECEIVING),
    Step(
        "ship_result",
        ("approved", "denied"),
        "result_shipped",
        (HANDLING_OFFICER,),
        HANDLING,
        needs=("carrier", "tracking_number", "ship_to"),
        sends=("result_shipped", RECEIVING),
        clock="stop",
    ),
    Step("receive_result", ("result_shipped",), "ready_for_pickup", (WINDOW_CLERK,), RECEIVING),
    Step("record_pickup", ("ready_for_pickup",), "concluded", (WINDOW_CLERK,), RECEIVING),
    Step("confirm_delivery", ("result_shipped",), "concluded", (HANDLING_OFFICER,), HANDLING),
    Step("conclude", ("delivered",), "concluded", (HANDLING_OFFICER,), HANDLING),
)

_JOINT_STAFF = (WINDOW_CLERK, HANDLING_OFFICER)
JOINT = (
    Step("submit", (), "submitted", (APPLICANT,), OWNER, sends=("submitted", RECEIVING)),
    Step("register", (), "submitted", _JOINT_STAFF, RECEIVING),
    Step("add_material", ("submitted", "correction_requested"), SAME, (APPLICANT, *_JOINT_STAFF), RECEIVING),
    Step(
        "request_correction",
        ("submitted",),
        "correction_requested",
        _JOINT_STAFF,
        RECEIVING,
        needs=("missing",),
        clock="suspend",
    ),
    Step(
        "resubmit", ("correction_requested",), PREVIOUS, (APPLICANT, *_JOINT_STAFF), RECEIVING, clock="resume"
    ),
    Step("refuse", ("submitted",), "refused", _JOINT_STAFF, RECEIVING, needs=("reason",)),
    Step(
        "accept",
        ("submitted",),
        "coordinating",
        _JOINT_STAFF,
        RECEIVING,
        clock="start",
        sends=("leg_created", LEG),
    ),
    Step(
        "sign_leg",
        ("to_sign",),
        "signed",
        (HANDLING_OFFICER,),
        LEG,
        on_leg=True,
        sends=("leg_signed", RECEIVING),
    ),
    Step(
        "return_leg",
        ("to_sign",),
        "returned",
        (HANDLING_OFFICER,),
        LEG,
        on_leg=True,
        needs=("reason",),
        sends=("leg_returned", RECEIVING),
    ),
    Step(
        "resend_leg",
        ("returned",),
        "to_sign",
        _JOINT_STAFF,
        RECEIVING,
        on_leg=True,
        sends=("leg_created", LEG),
    ),
    Step("start_leg", ("signed",), "working", (HANDLING_OFFICER,), LEG, on_leg=True),
    Step(
        "agree_leg",
        ("working",),
        "agreed",
        (HANDLING_OFFICER,),
        LEG,
        on_leg=True,
        needs=("opinion",),
        sends=("leg_answered", RECEIVING),
    ),
    Step(
        "disagree_leg",
        ("working",),
        "disagreed",
        (HANDLING_OFFICER,),
        LEG,
        on_leg=True,
        needs=("opinion",),
        sends=("leg_answered", RECEIVING),
    ),
    Step("release_leg", ("waiting",), "to_sign", (SYSTEM,), NOWHERE, on_leg=True, sends=("leg_created", LEG)),
    Step("all_legs_agreed", ("coordinating",), "legs_agreed", (SYSTEM,), NOWHERE),
    Step("leg_disagreed", ("coordinating",), "denied", (SYSTEM,), NOWHERE),
    *_decision_steps(RECEIVING, (HANDLING_OFFICER,), "legs_agreed", None),
    Step(
        "ship_result",
        ("approved", "denied"),
        "result_shipped",
        (HANDLING_OFFICER,),
        RECEIVING,
        needs=("carrier", "tracking_number", "ship_to"),
        clock="stop",
    ),
    Step("record_pickup", ("result_shipped",), "concluded", _JOINT_STAFF, RECEIVING),
    Step("confirm_delivery", ("result_shipped",), "concluded", (HANDLING_OFFICER,), RECEIVING),
    Step("conclude", ("delivered",), "concluded", (HANDLING_OFFICER,), RECEIVING),
)

TABLES: dict[str, tuple[Step, ...]] = {"online": ONLINE, "proxy": PROXY, "joint": JOINT}
INITIAL_ACTIONS = frozenset({"submit", "register"})
ACTION_LABELS = {
    "submit": _("Submit online"),
    "register": _("Register at the window"),
    "add_material": _("Add a material"),
    "request_correction": _("Request correction (all missing items at once)"),
    "resubmit": _("Resubmit the corrected materials"),
    "withdraw": _("Withdraw"),
    "accept": _("Accept"),
    "refuse": _("Refuse to accept"),
    "pass_formal_review": _("Pass formal review"),
    "check_identity": _("Check identity"),
    "transfer": _("Transfer to the handling office"),
    "ship_materials": _("Ship the originals"),
    "sign_for": _("Sign for the transfer"),
    "return": _("Return the transfer"),
    "receive_materials": _("Receive the originals"),
    "start_review": _("Start review"),
    "suspend": _("Suspend for a special procedure"),
    "resume": _("Resume"),
    "approve": _("Approve"),
    "deny": _("Deny"),
    "attach_result": _("Attach the result document"),
    "deliver_online": _("Deliver the result online"),
    "ship_result": _("Ship the paper result"),
    "receive_result": _("Receive the result at the window"),
    "record_pickup": _("Record the pickup"),
    "confirm_delivery": _("Confirm the postal delivery"),
    "conclude": _("Conclude"),
    "sign_leg": _("Sign for the region's task"),
    "return_leg": _("Return the region's task"),
    "resend_leg": _("Send the region's task again"),
    "start_leg": _("Start work on the region's task"),
    "agree_leg": _("Agree"),
    "disagree_leg": _("Disagree"),
    "release_leg": _("Release a region's task (its predecessor agreed)"),
    "all_legs_agreed": _("All required regions agreed"),
    "leg_disagreed": _("A region disagreed: the case ends"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def leg_status_label(status: str) -> str:
    return str(LEG_STATUS_LABELS.get(status, status))


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


class InvalidTransition(Exception):
    """The action is not possible from the current status (HTTP 409)."""

    def __init__(self, status: str, action: str, allowed: list[str], leg=None):
        self.status, self.action, self.allowed, self.leg = status, action, allowed, leg
        names = {
            "action": action_label(action),
            "allowed": "、".join(action_label(a) for a in allowed) or _("nothing"),
        }
        if leg is None:
            message = _(
                "“%(action)s” is not possible while the case is “%(status)s”. Possible now: %(allowed)s."
            )
            names["status"] = status_label(status)
        else:
            message = _(
                "“%(action)s” is not possible while the task of %(office)s is “%(status)s”. "
                "Possible now on this task: %(allowed)s."
            )
            names["status"] = leg_status_label(status)
            names["office"] = leg.office.name
        super().__init__(message % names)


class UnknownAction(Exception):
    """No such action in this mode (HTTP 404)."""


class NotAllowed(Exception):
    """The caller may see the case but not take this action: wrong role or office (HTTP 403)."""


def may_take(step: Step, *, role: str, office_id: int | None, is_owner: bool, case, leg=None) -> bool:
    """Whether someone of `role` at `office_id` (or the case's owner) may take `step` on this case."""
    if SYSTEM in step.roles:
        return False
    if APPLICANT in step.roles and is_owner:
        return True
    if role not in step.roles or office_id is None:
        return False
    expected = {
        RECEIVING: case.receiving_office_id,
        HANDLING: case.handling_office_id,
        LEG: leg.office_id if leg is not None else None,
    }.get(step.office)
    return expected is not None and expected == office_id


def steps_for(mode: str, action: str) -> list[Step]:
    steps = [step for step in TABLES[mode] if step.action == action]
    if not steps:
        raise UnknownAction(action)
    return steps


def step_for(mode: str, action: str, status: str) -> Step:
    """The step of `action` that starts from `status` (the case's, or the leg's for leg actions)."""
    for step in steps_for(mode, action):
        if status in step.sources:
            return step
    raise InvalidTransition(status, action, [])


def actions_from(mode: str, status: str, on_leg: bool = False) -> list[Step]:
    return [step for step in TABLES[mode] if step.on_leg == on_leg and status in step.sources]


def all_statuses(mode: str) -> list[str]:
    seen: list[str] = []
    for step in TABLES[mode]:
        if step.on_leg:
            continue
        for status in (*step.sources, step.target):
            if status not in (SAME, PREVIOUS) and status not in seen:
                seen.append(status)
    return seen
